"""The review queue and the decisions taken from it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.urls import reverse
from tests.factories import ConnectionFactory, InmateFactory, PhotoFactory

from kinframe.audit.models import AuditEvent
from kinframe.credits.models import LedgerEntry
from kinframe.credits.selectors import balance_of
from kinframe.facilities.models import RejectionReason
from kinframe.photos.models import Photo, ReviewLease

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def queue_url(facility) -> str:
    return reverse("console:review_queue", args=[facility.code])


def hold(photo, user) -> None:
    """``user`` was handed ``photo`` a second ago, as the review page does."""
    now = datetime.now(UTC)
    ReviewLease.objects.update_or_create(
        photo=photo,
        defaults={
            "facility": photo.facility,
            "reviewer": user,
            "acquired_at": now - timedelta(seconds=1),
            "expires_at": now + timedelta(seconds=60),
        },
    )


def approve_url(photo) -> str:
    return reverse("console:photo_approve", args=[photo.facility.code, photo.public_id])


def reject_url(photo) -> str:
    return reverse("console:photo_reject", args=[photo.facility.code, photo.public_id])


def test_queue_lists_waiting_photos_oldest_first_with_sender_and_recipient(
    client, facility, reviewer, connection_
):
    now = datetime.now(UTC)
    newest = PhotoFactory(
        connection=connection_, credits=1000, created_at=now - timedelta(minutes=1)
    )
    oldest = PhotoFactory(connection=connection_, charged=True, created_at=now - timedelta(hours=3))
    middle = PhotoFactory(connection=connection_, charged=True, created_at=now - timedelta(hours=1))
    PhotoFactory(
        connection=connection_, charged=True, status=Photo.Status.APPROVED
    )  # decided: not in the queue
    client.force_login(reviewer)
    response = client.get(queue_url(facility))
    assert response.status_code == 200
    html = response.content.decode()
    positions = [html.index(str(p.public_id)) for p in (oldest, middle, newest)]
    assert positions == sorted(positions)
    assert html.count('data-testid="review-card"') == 3
    assert connection_.sender.username in html
    assert connection_.inmate.full_name in html
    assert f"#{connection_.inmate.number}" in html
    assert 'data-testid="reject-reason"' in html
    assert "Against policy" in html


def test_received_time_is_shown_in_the_facilitys_time_zone(client, facility, reviewer, connection_):
    facility.time_zone = "America/New_York"
    facility.save()
    PhotoFactory(
        connection=connection_,
        credits=500,
        created_at=datetime(2025, 1, 15, 17, 30, tzinfo=UTC),
    )
    client.force_login(reviewer)
    html = client.get(queue_url(facility)).content.decode()
    assert "Jan 15, 2025 12:30 EST" in html


def test_approve_delivers_the_photo_and_goes_back_to_the_queue(client, reviewer, photo):
    hold(photo, reviewer)
    client.force_login(reviewer)
    response = client.post(approve_url(photo), follow=True)
    assert response.redirect_chain[-1][0] == queue_url(photo.facility)
    assert "Approved the photo" in response.content.decode()
    photo.refresh_from_db()
    assert photo.status == Photo.Status.APPROVED
    assert photo.reviewed_by == reviewer
    assert balance_of(photo.sender) == 400  # approval keeps the charge


def test_approve_with_htmx_turns_the_card_into_a_notice_with_undo(client, reviewer, photo):
    hold(photo, reviewer)
    client.force_login(reviewer)
    response = client.post(approve_url(photo), **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="review-notice"' in html
    assert "Approved the photo" in html
    assert reverse("console:photo_undo", args=[photo.facility.code, photo.public_id]) in html
    photo.refresh_from_db()
    assert photo.status == Photo.Status.APPROVED


def test_reject_refunds_once_and_emails_the_sender_the_reason(
    client, reviewer, photo, django_capture_on_commit_callbacks
):
    reason = photo.facility.rejection_reasons.get()
    hold(photo, reviewer)
    client.force_login(reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reject_url(photo), {"reason": reason.pk}, **HTMX)
    assert response.status_code == 200
    assert "has the 100 credits back" in response.content.decode()
    photo.refresh_from_db()
    assert photo.status == Photo.Status.REJECTED
    assert photo.rejection_reason == reason
    assert balance_of(photo.sender) == 500
    assert LedgerEntry.objects.filter(photo=photo, kind="photo_refund").count() == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [photo.sender.email]
    assert reason.sender_message in mail.outbox[0].body


def test_rejecting_twice_says_someone_decided_first_and_refunds_once(
    client, reviewer, facility, photo, django_capture_on_commit_callbacks
):
    reason = facility.rejection_reasons.get()
    hold(photo, reviewer)
    client.force_login(reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reject_url(photo), {"reason": reason.pk})
        again = client.post(reject_url(photo), {"reason": reason.pk}, follow=True)
    assert again.status_code == 200
    assert "Someone else got there first" in again.content.decode()
    assert LedgerEntry.objects.filter(photo=photo, kind="photo_refund").count() == 1
    assert balance_of(photo.sender) == 500
    assert len(mail.outbox) == 1


def test_a_decision_on_an_already_decided_photo_with_htmx_shows_a_notice(
    client, reviewer, facility_admin, photo
):
    hold(photo, facility_admin)
    client.force_login(facility_admin)
    client.post(approve_url(photo))
    client.force_login(reviewer)
    response = client.post(approve_url(photo), **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="review-notice"' in html
    assert f"by {facility_admin.username}" in html
    photo.refresh_from_db()
    assert photo.reviewed_by == facility_admin


@pytest.mark.parametrize("htmx", [False, True])
def test_a_reason_from_another_facility_is_refused_and_nothing_changes(
    client, reviewer, photo, other_facility, htmx
):
    foreign = other_facility.rejection_reasons.get()
    client.force_login(reviewer)
    response = client.post(reject_url(photo), {"reason": foreign.pk}, **(HTMX if htmx else {}))
    assert response.status_code == 400
    assert "rejection reasons to reject a photo" in response.content.decode()
    photo.refresh_from_db()
    assert photo.status == Photo.Status.PENDING_REVIEW
    assert balance_of(photo.sender) == 400
    assert not LedgerEntry.objects.filter(kind="photo_refund").exists()
    assert not AuditEvent.objects.filter(action="photo.rejected").exists()


@pytest.mark.parametrize("reason", ["", "abc", "999999"])
def test_reject_without_a_valid_reason_is_bad_input(client, reviewer, photo, reason):
    client.force_login(reviewer)
    response = client.post(reject_url(photo), {"reason": reason})
    assert response.status_code == 400
    photo.refresh_from_db()
    assert photo.status == Photo.Status.PENDING_REVIEW


def test_a_deactivated_reason_cannot_be_used(client, reviewer, photo):
    reason = photo.facility.rejection_reasons.get()
    reason.is_active = False
    reason.save()
    client.force_login(reviewer)
    assert client.post(reject_url(photo), {"reason": reason.pk}).status_code == 400
    assert "Against policy" not in client.get(queue_url(photo.facility)).content.decode()


def test_decisions_need_post(client, reviewer, photo):
    client.force_login(reviewer)
    assert client.get(approve_url(photo)).status_code == 405
    photo.refresh_from_db()
    assert photo.status == Photo.Status.PENDING_REVIEW


def _queue_queries(client, facility, reviewer, django_assert_num_queries, count: int) -> int:
    RejectionReason.objects.create(
        facility=facility, code="nudity", label="Nudity", sender_message="No nudity."
    )
    client.force_login(reviewer)
    for n in range(count):
        PhotoFactory(
            connection=ConnectionFactory(inmate=InmateFactory(facility=facility)), credits=100 + n
        )
    with django_assert_num_queries(QUEUE_QUERIES) as captured:
        response = client.get(queue_url(facility))
    assert response.content.decode().count('data-testid="review-card"') == count
    return len(captured.captured_queries)


# Session, user, membership (3); the reviewer's holds, read (a reload with enough of them stops
# there); handing out the reviewer's photos (clean up, renew, list; then per round: taken, free
# photos, re-check, clear lapsed, create; a second round when the queue runs short), 2 savepoint
# statements; the cards, the senders' records (2); the counts (1); the reasons; the cards' flags.
QUEUE_QUERIES = 22


@pytest.mark.parametrize("count", [2, 10])
def test_queue_query_count_does_not_grow_with_the_queue(
    client, facility, reviewer, django_assert_num_queries, count
):
    _queue_queries(client, facility, reviewer, django_assert_num_queries, count)
