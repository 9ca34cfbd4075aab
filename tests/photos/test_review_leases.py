"""Sharing the review queue: leases hand each reviewer their own photos; decisions need one; undo."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from tests.actors import as_sender, as_staff
from tests.factories import ConnectionFactory, InmateFactory, PhotoFactory, StaffFactory

from kinframe.audit.models import AuditEvent
from kinframe.credits.models import LedgerEntry
from kinframe.credits.selectors import balance_of
from kinframe.credits.services import ledger_post
from kinframe.photos.models import Photo, ReviewLease
from kinframe.photos.review import (
    LEASE_SECONDS,
    LeaseError,
    UndoRefused,
    photo_decide,
    photo_decision_undo,
    review_leases_acquire,
    review_leases_release,
    review_leases_renew,
)
from kinframe.photos.services import PhotoStateError, photo_withdraw
from kinframe.photos.tasks import notify_sender_of_photo

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def queue(facility):
    """Six photos waiting at ``facility``, oldest first; each sender had 500 and now has 400."""
    photos = []
    for n in range(6):
        connection = ConnectionFactory(inmate=InmateFactory(facility=facility))
        photos.append(
            PhotoFactory(connection=connection, credits=500, created_at=T0 - timedelta(hours=6 - n))
        )
    return photos


@pytest.fixture
def second_reviewer(facility):
    return StaffFactory(facility=facility)


def later(seconds: float):
    return time_machine.travel(T0 + timedelta(seconds=seconds), tick=False)


def test_two_reviewers_are_handed_different_photos_oldest_first(
    facility, reviewer, second_reviewer, queue
):
    with later(0):
        first = review_leases_acquire(facility=facility, actor=as_staff(reviewer), want=3)
        second = review_leases_acquire(facility=facility, actor=as_staff(second_reviewer), want=3)
    assert first == [p.pk for p in queue[:3]]
    assert second == [p.pk for p in queue[3:]]
    with later(1):  # asking again keeps the same photos rather than handing out more
        assert review_leases_acquire(facility=facility, actor=as_staff(reviewer), want=3) == first


def test_a_lease_expires_and_then_another_reviewer_gets_the_photo(
    facility, reviewer, second_reviewer, queue
):
    with later(0):
        mine = review_leases_acquire(facility=facility, actor=as_staff(reviewer), want=6)
    with later(LEASE_SECONDS - 1):
        assert review_leases_acquire(facility=facility, actor=as_staff(second_reviewer)) == []
    with later(LEASE_SECONDS + 1):  # the first reviewer went quiet: their holds lapsed
        theirs = review_leases_acquire(facility=facility, actor=as_staff(second_reviewer), want=2)
    assert theirs == mine[:2]
    assert set(
        ReviewLease.objects.filter(photo_id__in=theirs).values_list("reviewer", flat=True)
    ) == {second_reviewer.pk}
    with later(LEASE_SECONDS + 2):  # the first reviewer comes back: they keep only what is left
        assert review_leases_renew(facility=facility, actor=as_staff(reviewer)) == mine[2:]


def test_renewing_keeps_the_photos_past_the_lease_time(facility, reviewer, second_reviewer, queue):
    with later(0):
        mine = review_leases_acquire(facility=facility, actor=as_staff(reviewer), want=2)
    for second in range(10, 200, 10):  # the page renews every few seconds
        with later(second):
            review_leases_renew(facility=facility, actor=as_staff(reviewer))
    with later(200):
        theirs = review_leases_acquire(facility=facility, actor=as_staff(second_reviewer), want=6)
    assert not set(mine) & set(theirs)


def test_released_photos_go_back_to_the_queue_within_seconds(
    facility, reviewer, second_reviewer, queue
):
    with later(0):
        mine = review_leases_acquire(facility=facility, actor=as_staff(reviewer), want=6)
        review_leases_release(facility=facility, actor=as_staff(reviewer))
    with later(4):
        assert (
            review_leases_acquire(facility=facility, actor=as_staff(second_reviewer), want=6)
            == mine
        )


def test_a_decision_needs_the_reviewers_own_lease_held_for_a_moment(
    facility, reviewer, second_reviewer, queue
):
    photo = queue[0]
    with later(0):
        review_leases_acquire(facility=facility, actor=as_staff(reviewer), want=1)
    with later(0.1), pytest.raises(LeaseError, match="only just reached your screen"):
        photo_decide(photo=photo, actor=as_staff(reviewer))  # a double click, not a look
    with later(5), pytest.raises(LeaseError, match="Another reviewer"):
        photo_decide(photo=photo, actor=as_staff(second_reviewer))
    photo.refresh_from_db()
    assert photo.status == Photo.Status.PENDING_REVIEW
    with later(5):
        photo_decide(photo=photo, actor=as_staff(reviewer))
    photo.refresh_from_db()
    assert photo.status == Photo.Status.APPROVED
    assert not ReviewLease.objects.filter(photo=photo).exists()
    with later(6), pytest.raises(PhotoStateError):
        photo_decide(photo=photo, actor=as_staff(second_reviewer))


def test_a_photo_nobody_holds_is_handed_over_by_the_first_attempt_not_decided(
    facility, reviewer, queue
):
    photo = queue[0]
    with later(0), pytest.raises(LeaseError):
        photo_decide(photo=photo, actor=as_staff(reviewer))
    with later(1):
        photo_decide(photo=photo, actor=as_staff(reviewer))
    photo.refresh_from_db()
    assert photo.status == Photo.Status.APPROVED


def _rejected(photo, reviewer, *, at: float = 1):
    reason = photo.facility.rejection_reasons.get()
    with later(0):
        review_leases_acquire(facility=photo.facility, actor=as_staff(reviewer), want=6)
    with later(at):
        return photo_decide(photo=photo, actor=as_staff(reviewer), reason=reason)


def test_undoing_a_rejection_charges_back_its_refund_exactly_once(
    facility, reviewer, queue, django_capture_on_commit_callbacks
):
    photo = queue[0]
    _rejected(photo, reviewer)
    assert balance_of(photo.sender) == 500
    with later(5):
        photo_decision_undo(photo=photo, actor=as_staff(reviewer))
        with pytest.raises(UndoRefused):  # a second undo finds nothing to undo
            photo_decision_undo(photo=photo, actor=as_staff(reviewer))
    photo.refresh_from_db()
    assert photo.status == Photo.Status.PENDING_REVIEW
    assert photo.reviewed_by is None
    assert photo.rejection_reason is None
    assert balance_of(photo.sender) == 400
    references = list(
        LedgerEntry.objects.filter(photo=photo).order_by("id").values_list("reference", "amount")
    )
    assert references == [
        (f"photo_charge:{photo.pk}", -100),
        (f"photo_refund:{photo.pk}", 100),
        (f"photo_charge:{photo.pk}:undo:1", -100),
    ]
    event = AuditEvent.objects.get(action="photo.decision_undone")
    assert event.data == {"undone": "rejected", "reason": "policy"}
    # Rejected again, and undone again, and rejected a third time: each refund and charge once.
    _rejected(photo, reviewer, at=6)
    with later(7):
        photo_decision_undo(photo=photo, actor=as_staff(reviewer))
    _rejected(photo, reviewer, at=8)
    assert balance_of(photo.sender) == 500
    assert list(
        LedgerEntry.objects.filter(photo=photo).order_by("id").values_list("reference", flat=True)
    )[3:] == [
        f"photo_refund:{photo.pk}:after_undo:1",
        f"photo_charge:{photo.pk}:undo:2",
        f"photo_refund:{photo.pk}:after_undo:2",
    ]


def test_a_withdrawal_after_an_undone_rejection_refunds_again(facility, reviewer, queue):
    photo = queue[0]
    _rejected(photo, reviewer)
    with later(5):
        photo_decision_undo(photo=photo, actor=as_staff(reviewer))
    photo_withdraw(photo=photo, actor=as_sender(photo.sender))
    assert balance_of(photo.sender) == 500


def test_undoing_an_approval_puts_the_photo_back_in_the_reviewers_hands(facility, reviewer, queue):
    photo = queue[0]
    with later(0):
        review_leases_acquire(facility=facility, actor=as_staff(reviewer), want=1)
    with later(1):
        photo_decide(photo=photo, actor=as_staff(reviewer))
    with later(3):
        photo_decision_undo(photo=photo, actor=as_staff(reviewer))
    photo.refresh_from_db()
    assert photo.status == Photo.Status.PENDING_REVIEW
    assert balance_of(photo.sender) == 400  # the charge was never refunded
    assert ReviewLease.objects.get(photo=photo).reviewer == reviewer


def test_undo_is_refused_after_ten_seconds_and_to_anybody_else(
    facility, reviewer, second_reviewer, queue
):
    photo = queue[0]
    _rejected(photo, reviewer)
    with later(5), pytest.raises(UndoRefused, match="Only the reviewer"):
        photo_decision_undo(photo=photo, actor=as_staff(second_reviewer))
    with later(12), pytest.raises(UndoRefused, match="10 seconds"):
        photo_decision_undo(photo=photo, actor=as_staff(reviewer))
    photo.refresh_from_db()
    assert photo.status == Photo.Status.REJECTED
    assert balance_of(photo.sender) == 500


def test_undo_of_a_rejection_is_refused_when_the_sender_spent_the_refund(facility, reviewer, queue):
    photo = queue[0]
    _rejected(photo, reviewer)
    ledger_post(  # the sender spends everything on something else meanwhile
        user=photo.sender,
        kind=LedgerEntry.Kind.ADJUSTMENT,
        amount=-450,
        reference="test:spent",
        actor=as_sender(photo.sender),
    )
    with later(4), pytest.raises(UndoRefused, match="already spent"):
        photo_decision_undo(photo=photo, actor=as_staff(reviewer))
    photo.refresh_from_db()
    assert photo.status == Photo.Status.REJECTED
    assert balance_of(photo.sender) == 50
    assert not LedgerEntry.objects.filter(reference__contains=":undo:").exists()
    assert not AuditEvent.objects.filter(action="photo.decision_undone").exists()


def test_the_rejection_notice_of_an_undone_rejection_is_not_sent(facility, reviewer, queue):
    """The notice runs about 15 s after the rejection; by then the undo has called it off."""
    photo = _rejected(queue[0], reviewer)
    decision = photo.reviewed_at.isoformat()
    mail.outbox.clear()
    with later(4):
        photo_decision_undo(photo=photo, actor=as_staff(reviewer))
    notify_sender_of_photo.call(photo.pk, "photo_rejected", decision)
    assert mail.outbox == []
    # Rejected again: the old notice still says nothing; the new one is sent once.
    photo = _rejected(photo, reviewer, at=6)
    mail.outbox.clear()
    notify_sender_of_photo.call(photo.pk, "photo_rejected", decision)
    assert mail.outbox == []
    notify_sender_of_photo.call(photo.pk, "photo_rejected", photo.reviewed_at.isoformat())
    assert len(mail.outbox) == 1
