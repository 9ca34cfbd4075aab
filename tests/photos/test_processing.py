"""Processing: received -> pending_review, or failed with one refund; retries; crash recovery."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from tests.actors import SYSTEM, as_sender
from tests.factories import ConnectionFactory, give_credits
from tests.photos.photo_helpers import (
    balance_of,
    image_bytes,
    jpeg_upload,
    refunds,
    stored_files,
    upload,
)

from kinframe.photos import services
from kinframe.photos.models import Photo
from kinframe.photos.services import (
    photo_approve,
    photo_process,
    photo_send,
    photos_requeue_stuck,
    photos_undeliverable_for_inmate,
)

pytestmark = pytest.mark.django_db


def send_unprocessed(sender, connection, data=None, name="photo.jpg") -> Photo:
    """Send a photo but do not run the task: the state a worker finds it in (or dies with)."""
    return photo_send(
        actor=as_sender(sender), connection=connection, upload=upload(name, data or image_bytes())
    )


def damaged_jpeg() -> bytes:
    """A JPEG cut off in the middle of its picture data: the header (and so the probe) is fine."""
    data = image_bytes("JPEG", (800, 600))
    return data[: len(data) // 2]


def test_damaged_photo_fails_refunds_once_and_emails(
    sender, connection_, private_storage, django_capture_on_commit_callbacks
):
    give_credits(sender, 500)
    with django_capture_on_commit_callbacks(execute=True):
        photo = photo_send(
            actor=as_sender(sender),
            connection=connection_,
            upload=upload("cut.jpg", damaged_jpeg()),
        )
    photo.refresh_from_db()

    assert photo.status == Photo.Status.FAILED
    assert "damaged" in photo.failure_message
    assert balance_of(sender) == 500
    assert refunds(sender) == 1
    assert stored_files(private_storage) == []  # original deleted, nothing else written
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [sender.email]
    assert "credits are back" in mail.outbox[0].subject
    assert "damaged" in mail.outbox[0].body

    # Processing again (a duplicate task) changes nothing.
    with django_capture_on_commit_callbacks(execute=True):
        assert photo_process(photo_id=photo.pk) is None
    assert (balance_of(sender), refunds(sender), len(mail.outbox)) == (500, 1, 1)


def test_unexpected_errors_are_retried_then_fail_with_one_refund(
    sender, connection_, monkeypatch, django_capture_on_commit_callbacks
):
    calls = []

    def broken(data, **kwargs):
        calls.append(1)
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(services, "process_image", broken)
    give_credits(sender, 500)
    with django_capture_on_commit_callbacks(execute=True):
        photo = send_unprocessed(sender, connection_)
    photo.refresh_from_db()

    assert len(calls) == services.MAX_PROCESSING_ATTEMPTS == 3
    assert photo.processing_attempts == 3
    assert photo.status == Photo.Status.FAILED
    assert photo.failure_message == services.GENERIC_FAILURE_MESSAGE
    assert (balance_of(sender), refunds(sender)) == (500, 1)
    assert len(mail.outbox) == 1


def test_a_retry_after_an_unexpected_error_can_succeed(
    sender, connection_, monkeypatch, django_capture_on_commit_callbacks
):
    real = services.process_image
    calls = []

    def flaky(data, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise OSError("temporary")
        return real(data, **kwargs)

    monkeypatch.setattr(services, "process_image", flaky)
    give_credits(sender, 500)
    with django_capture_on_commit_callbacks(execute=True):
        photo = send_unprocessed(sender, connection_)
    photo.refresh_from_db()
    assert (photo.status, photo.processing_attempts) == (Photo.Status.PENDING_REVIEW, 2)
    assert (balance_of(sender), refunds(sender)) == (400, 0)


def test_worker_killed_mid_photo_loses_nothing_requeue_finishes_it(
    sender, connection_, private_storage, django_capture_on_commit_callbacks
):
    give_credits(sender, 500)
    photo = send_unprocessed(sender, connection_)  # tasks never ran: on_commit not executed
    # The worker claimed it and was killed: the photo is still received, its original on disk.
    long_ago = timezone.now() - timedelta(minutes=30)
    Photo.objects.filter(pk=photo.pk).update(
        created_at=long_ago, claimed_at=long_ago, processing_attempts=1
    )
    fresh = send_unprocessed(sender, connection_, name="fresh.jpg")  # just sent: not stuck
    assert len(stored_files(private_storage)) == 2

    with django_capture_on_commit_callbacks(execute=True):
        call_command("requeue_photos")
    photo.refresh_from_db()
    fresh.refresh_from_db()

    assert photo.status == Photo.Status.PENDING_REVIEW
    assert photo.processing_attempts == 2
    assert not photo.original
    assert fresh.status == Photo.Status.RECEIVED
    assert balance_of(sender) == 300  # charged once each, nothing refunded
    assert refunds(sender) == 0
    assert len(stored_files(private_storage)) == 3  # fresh original + display + thumbnail


def test_requeue_leaves_a_photo_a_live_worker_holds(sender, connection_):
    give_credits(sender, 500)
    photo = send_unprocessed(sender, connection_)
    Photo.objects.filter(pk=photo.pk).update(
        created_at=timezone.now() - timedelta(minutes=30), claimed_at=timezone.now()
    )
    assert photos_requeue_stuck() == 0
    photo.refresh_from_db()
    assert photo.status == Photo.Status.RECEIVED
    # And a second worker cannot claim it while the claim is fresh.
    assert photo_process(photo_id=photo.pk) is None


def test_a_photo_killed_too_often_fails_and_refunds(
    sender, connection_, django_capture_on_commit_callbacks
):
    give_credits(sender, 500)
    photo = send_unprocessed(sender, connection_)
    long_ago = timezone.now() - timedelta(minutes=30)
    Photo.objects.filter(pk=photo.pk).update(
        created_at=long_ago, claimed_at=long_ago, processing_attempts=3
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert photos_requeue_stuck() == 1
    photo.refresh_from_db()
    assert photo.status == Photo.Status.FAILED
    assert (balance_of(sender), refunds(sender)) == (500, 1)


def test_released_inmate_makes_pending_photos_undeliverable_with_refunds(
    sender, connection_, private_storage, django_capture_on_commit_callbacks
):
    give_credits(sender, 500)
    with django_capture_on_commit_callbacks(execute=True):
        pending = photo_send(
            actor=as_sender(sender), connection=connection_, upload=jpeg_upload("a.jpg")
        )
        approved = photo_send(
            actor=as_sender(sender), connection=connection_, upload=jpeg_upload("b.jpg")
        )
    photo_approve(photo=approved, actor=SYSTEM)
    received = send_unprocessed(sender, connection_, name="c.jpg")
    other = ConnectionFactory()  # someone else's photo is not touched
    give_credits(other.sender, 100)
    with django_capture_on_commit_callbacks(execute=True):
        elsewhere = photo_send(
            actor=as_sender(other.sender), connection=other, upload=jpeg_upload()
        )
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        changed = photos_undeliverable_for_inmate(inmate=connection_.inmate, actor=SYSTEM)
        # Calling it twice (roster feed replayed) refunds nothing more.
        assert photos_undeliverable_for_inmate(inmate=connection_.inmate, actor=SYSTEM) == 0

    assert changed == 2
    statuses = dict(Photo.objects.values_list("pk", "status"))
    assert statuses[pending.pk] == statuses[received.pk] == Photo.Status.UNDELIVERABLE
    assert statuses[approved.pk] == Photo.Status.APPROVED
    assert statuses[elsewhere.pk] == Photo.Status.PENDING_REVIEW
    assert (balance_of(sender), refunds(sender)) == (400, 2)
    assert len(mail.outbox) == 2
    assert "could not be delivered" in mail.outbox[0].body
    received.refresh_from_db()
    assert not received.original  # the unprocessed original is deleted too
    # The worker that later picks up the undeliverable photo does nothing.
    assert photo_process(photo_id=received.pk) is None
