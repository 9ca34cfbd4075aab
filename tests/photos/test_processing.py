"""Processing: received -> pending_review, or failed with one refund; retries; crash recovery."""

import errno
import time
from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.core import mail
from django.core.files.storage import FileSystemStorage
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

from kinframe.photos import processing, services
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


def run_reaper_later(seconds: float, capture) -> int:
    """What the worker's reaper does ``seconds`` from now (tests run queued tasks at once)."""
    later = timezone.now() + timedelta(seconds=seconds)
    with time_machine.travel(later, tick=False), capture(execute=True):
        return photos_requeue_stuck()


def test_unexpected_errors_are_retried_then_fail_with_one_refund(
    sender, connection_, monkeypatch, django_capture_on_commit_callbacks
):
    calls = []

    def broken(data, **kwargs):
        calls.append(1)
        raise RuntimeError("a bug")

    monkeypatch.setattr(processing, "process_image", broken)
    give_credits(sender, 500)
    with django_capture_on_commit_callbacks(execute=True):
        photo = send_unprocessed(sender, connection_)
    photo.refresh_from_db()
    assert (photo.status, len(calls)) == (Photo.Status.RECEIVED, 1)
    assert run_reaper_later(10, django_capture_on_commit_callbacks) == 0  # not due yet
    assert run_reaper_later(31, django_capture_on_commit_callbacks) == 1
    assert run_reaper_later(31 + 121, django_capture_on_commit_callbacks) == 1
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
    real = processing.process_image
    calls = []

    def flaky(data, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("once")
        return real(data, **kwargs)

    monkeypatch.setattr(processing, "process_image", flaky)
    give_credits(sender, 500)
    with django_capture_on_commit_callbacks(execute=True):
        photo = send_unprocessed(sender, connection_)
    run_reaper_later(31, django_capture_on_commit_callbacks)
    photo.refresh_from_db()
    assert (photo.status, photo.processing_attempts) == (Photo.Status.PENDING_REVIEW, 2)
    assert (balance_of(sender), refunds(sender)) == (400, 0)


def test_a_full_disk_during_processing_is_retried_until_space_returns(
    sender, connection_, private_storage, django_capture_on_commit_callbacks
):
    """Finding 4: a photo that met a full disk failed, refunded, and was never retried."""
    give_credits(sender, 500)
    photo = send_unprocessed(sender, connection_)
    full = OSError(errno.ENOSPC, "No space left on device")
    elapsed = 0
    with mock.patch.object(FileSystemStorage, "_save", side_effect=full):
        with django_capture_on_commit_callbacks(execute=True):
            assert photo_process(photo_id=photo.pk) is None
        for _ in range(6):  # the disk stays full for a while: the pauses double
            elapsed += 3600
            run_reaper_later(elapsed, django_capture_on_commit_callbacks)
    photo.refresh_from_db()
    assert photo.status == Photo.Status.RECEIVED
    assert photo.processing_attempts == 0  # storage errors are not the photo's fault
    assert photo.requeue_at is not None
    assert (balance_of(sender), refunds(sender)) == (400, 0)
    assert len(stored_files(private_storage)) == 1  # the original, kept

    # Space returns: the next retry processes it.
    run_reaper_later(elapsed + 1800, django_capture_on_commit_callbacks)
    photo.refresh_from_db()
    assert photo.status == Photo.Status.PENDING_REVIEW
    assert (balance_of(sender), refunds(sender)) == (400, 0)


def test_storage_errors_fail_and_refund_once_after_the_retry_window(
    sender, connection_, settings, django_capture_on_commit_callbacks
):
    settings.PHOTO_INFRA_RETRY_HOURS = 2
    give_credits(sender, 500)
    photo = send_unprocessed(sender, connection_)
    gone = OSError(errno.EROFS, "Read-only file system")
    with mock.patch.object(FileSystemStorage, "_save", side_effect=gone):
        for hours in (0.01, 1, 2.5, 3, 4):
            run_reaper_later(hours * 3600, django_capture_on_commit_callbacks)
    photo.refresh_from_db()
    assert photo.status == Photo.Status.FAILED
    assert (balance_of(sender), refunds(sender)) == (500, 1)


def test_a_dead_workers_claim_is_taken_back_within_seconds_not_minutes(
    sender, connection_, django_capture_on_commit_callbacks
):
    """Finding 2: the claim of a killed worker was honoured for ten minutes."""
    give_credits(sender, 500)
    photo = send_unprocessed(sender, connection_)
    dead = timezone.now() - timedelta(seconds=90)  # PHOTO_CLAIM_TIMEOUT_SECONDS is 60
    Photo.objects.filter(pk=photo.pk).update(
        claimed_at=dead, claim_heartbeat_at=dead, processing_attempts=1
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert photos_requeue_stuck() == 1
    photo.refresh_from_db()
    assert (photo.status, photo.processing_attempts) == (Photo.Status.PENDING_REVIEW, 2)


def test_a_long_photo_whose_worker_still_beats_is_left_alone(sender, connection_):
    give_credits(sender, 500)
    photo = send_unprocessed(sender, connection_)
    Photo.objects.filter(pk=photo.pk).update(
        claimed_at=timezone.now() - timedelta(minutes=5),
        claim_heartbeat_at=timezone.now() - timedelta(seconds=10),
    )
    assert photos_requeue_stuck() == 0
    assert photo_process(photo_id=photo.pk) is None  # nor can another worker take it
    photo.refresh_from_db()
    assert photo.status == Photo.Status.RECEIVED


@pytest.mark.django_db(transaction=True)
def test_the_worker_renews_its_claim_while_processing(sender, connection_, settings, monkeypatch):
    settings.PHOTO_CLAIM_TIMEOUT_SECONDS = 0.3  # a beat every 0.1 s
    real = processing.process_image
    beats = []

    def slow(data, **kwargs):
        start = Photo.objects.values_list("claim_heartbeat_at", flat=True).get()
        time.sleep(0.5)
        beats.append(Photo.objects.values_list("claim_heartbeat_at", flat=True).get() - start)
        return real(data, **kwargs)

    monkeypatch.setattr(processing, "process_image", slow)
    give_credits(sender, 500)
    photo = photo_send(actor=as_sender(sender), connection=connection_, upload=jpeg_upload())
    photo.refresh_from_db()
    assert photo.status == Photo.Status.PENDING_REVIEW
    assert beats[0] >= timedelta(seconds=0.2)
    assert photo.claimed_at is None


def test_a_worker_presumed_dead_does_not_overwrite_its_successor(
    sender, connection_, monkeypatch, private_storage, django_capture_on_commit_callbacks
):
    give_credits(sender, 500)
    photo = send_unprocessed(sender, connection_)
    real = processing.process_image

    def overtaken(data, **kwargs):
        # While this worker was stalled, the reaper gave the photo to another worker.
        Photo.objects.filter(pk=photo.pk).update(claimed_at=timezone.now() + timedelta(seconds=1))
        return real(data, **kwargs)

    monkeypatch.setattr(processing, "process_image", overtaken)
    with django_capture_on_commit_callbacks(execute=True):
        photo_process(photo_id=photo.pk)
    photo.refresh_from_db()
    assert photo.status == Photo.Status.RECEIVED
    assert not photo.image
    assert len(stored_files(private_storage)) == 1  # its own display and thumbnail went away


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


def test_a_photo_whose_task_was_lost_is_queued_by_the_backstop(
    sender, connection_, django_capture_on_commit_callbacks
):
    give_credits(sender, 500)
    photo = send_unprocessed(sender, connection_)  # its task never ran, never will
    assert run_reaper_later(60, django_capture_on_commit_callbacks) == 0
    assert run_reaper_later(121, django_capture_on_commit_callbacks) == 1  # two claim timeouts
    photo.refresh_from_db()
    assert photo.status == Photo.Status.PENDING_REVIEW


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
