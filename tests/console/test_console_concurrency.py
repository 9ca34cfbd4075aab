"""Two reviewers deciding the same photo at the same moment (PostgreSQL, real threads)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection as db_connection
from django.test import Client
from django.urls import reverse
from tests.factories import (
    ConnectionFactory,
    FacilityFactory,
    InmateFactory,
    PhotoFactory,
    StaffFactory,
)

from kinframe.credits.models import LedgerEntry
from kinframe.credits.selectors import balance_of
from kinframe.photos.models import Photo


@pytest.mark.django_db(transaction=True)
def test_two_reviewers_rejecting_at_once_refund_exactly_once(on_postgres):
    facility = FacilityFactory()
    photo = PhotoFactory(
        connection=ConnectionFactory(inmate=InmateFactory(facility=facility)),
        credits=500,
    )
    reason = facility.rejection_reasons.get()
    reviewers = [StaffFactory(facility=facility) for _ in range(4)]
    url = reverse("console:photo_reject", args=[facility.code, photo.public_id])
    barrier = threading.Barrier(len(reviewers))
    statuses: list[int] = []

    def decide(reviewer) -> None:
        client = Client()
        client.force_login(reviewer)
        try:
            barrier.wait()
            statuses.append(client.post(url, {"reason": reason.pk}).status_code)
        finally:
            db_connection.close()

    threads = [threading.Thread(target=decide, args=(r,)) for r in reviewers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert statuses == [302] * len(reviewers)  # one decided, the others were told so; no 500
    photo.refresh_from_db()
    assert photo.status == Photo.Status.REJECTED
    assert LedgerEntry.objects.filter(photo=photo, kind="photo_refund").count() == 1
    assert balance_of(photo.sender) == 500
