"""Appeals under races (PostgreSQL, real threads): one charge per appeal, one refund per decision."""

from __future__ import annotations

import threading

import pytest
from django.db import connection as db_connection
from tests.actors import as_sender, as_staff
from tests.factories import ConnectionFactory, PhotoFactory, StaffFactory, give_credits

from kinframe.credits.models import LedgerEntry
from kinframe.credits.selectors import balance_of
from kinframe.photos.appeals import AppealError, appeal_create, appeal_decide
from kinframe.photos.models import Appeal
from kinframe.photos.services import photo_reject


def run_at_once(work, count: int) -> list[str]:
    barrier = threading.Barrier(count)
    outcomes: list[str] = []

    def one(i: int) -> None:
        try:
            barrier.wait()
            work(i)
            outcomes.append("done")
        except AppealError:
            outcomes.append("refused")
        finally:
            db_connection.close()

    threads = [threading.Thread(target=one, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_appealing_and_deciding_at_once_charge_and_refund_exactly_once(on_postgres):
    connection = ConnectionFactory()
    facility = connection.inmate.facility
    first = StaffFactory(facility=facility)
    give_credits(connection.sender, 500)
    photo = PhotoFactory(connection=connection, charged=True)
    photo_reject(photo=photo, actor=as_staff(first), reason=facility.rejection_reasons.get())

    outcomes = run_at_once(
        lambda i: appeal_create(actor=as_sender(connection.sender), photo=photo, note=f"n{i}"), 4
    )
    assert sorted(outcomes) == ["done", "refused", "refused", "refused"]
    assert LedgerEntry.objects.filter(kind="appeal_charge").count() == 1
    assert balance_of(connection.sender) == 400

    appeal = Appeal.objects.get()
    reviewers = [StaffFactory(facility=facility) for _ in range(4)]
    outcomes = run_at_once(
        lambda i: appeal_decide(actor=as_staff(reviewers[i]), appeal=appeal, grant=False), 4
    )
    assert sorted(outcomes) == ["done", "refused", "refused", "refused"]
    assert LedgerEntry.objects.filter(kind="appeal_refund").count() == 1
    assert balance_of(connection.sender) == 500
