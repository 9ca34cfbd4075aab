"""Decisions and holds racing on the same photos (PostgreSQL, real threads).

Since reviewers share the queue through leases, only the reviewer holding a photo can decide it;
the race left is one reviewer's decision arriving several times at once (a double submit, a
retry), and several reviewers asking for photos at the same moment.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection as db_connection
from django.test import Client
from django.urls import reverse
from tests.actors import as_staff
from tests.factories import (
    ConnectionFactory,
    FacilityFactory,
    InmateFactory,
    PhotoFactory,
    StaffFactory,
)

from kinframe.credits.models import LedgerEntry
from kinframe.credits.selectors import balance_of
from kinframe.photos.models import Photo, ReviewLease
from kinframe.photos.review import review_leases_acquire


@pytest.mark.django_db(transaction=True)
def test_one_rejection_arriving_four_times_at_once_refunds_exactly_once(on_postgres):
    facility = FacilityFactory()
    photo = PhotoFactory(
        connection=ConnectionFactory(inmate=InmateFactory(facility=facility)),
        credits=500,
    )
    reason = facility.rejection_reasons.get()
    reviewer = StaffFactory(facility=facility)
    now = datetime.now(UTC)
    ReviewLease.objects.create(
        photo=photo,
        facility=facility,
        reviewer=reviewer,
        acquired_at=now - timedelta(seconds=2),
        expires_at=now + timedelta(seconds=60),
    )
    reviewers = [reviewer] * 4
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


@pytest.mark.django_db(transaction=True)
def test_reviewers_asking_for_photos_at_once_never_get_the_same_one(on_postgres):
    facility = FacilityFactory()
    for _ in range(12):
        PhotoFactory(
            connection=ConnectionFactory(inmate=InmateFactory(facility=facility)), charged=False
        )
    reviewers = [StaffFactory(facility=facility) for _ in range(4)]
    barrier = threading.Barrier(len(reviewers))
    handed: dict[int, list[int]] = {}

    def ask(reviewer) -> None:
        try:
            actor = as_staff(reviewer)
            barrier.wait()
            handed[reviewer.pk] = review_leases_acquire(facility=facility, actor=actor, want=3)
        finally:
            db_connection.close()

    threads = [threading.Thread(target=ask, args=(r,)) for r in reviewers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    everyone = [pk for photos in handed.values() for pk in photos]
    assert len(everyone) == 12
    assert len(set(everyone)) == 12  # nobody was handed a photo someone else holds
    assert ReviewLease.objects.count() == 12
