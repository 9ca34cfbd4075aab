"""Processing received photos in the worker: claims with a heartbeat, retries, and the reaper.

A worker claims a photo with a conditional update (``claimed_at``, which also serves as the
claim's token) and renews ``claim_heartbeat_at`` while it works. Whatever goes wrong, the photo
ends in one of three ways:

- the image is bad (damaged, not a photo): ``failed`` at once, refunded once;
- storage or the database failed (a full or read-only disk, a dropped connection): the claim is
  released and ``requeue_at`` set, with pauses growing from 30 s to 30 min, for as long as
  ``PHOTO_INFRA_RETRY_HOURS`` after the send; only then ``failed`` and refunded;
- anything else (a bug, or the worker died: its heartbeat stops): retried after a pause, and the
  ``MAX_PROCESSING_ATTEMPTS``-th such failure fails and refunds, so one poisonous photo cannot
  occupy the workers for ever.

The reaper (``photos_requeue_stuck``), which every worker runs every
``PHOTO_REAPER_INTERVAL_SECONDS``, queues photos whose claim went stale and photos whose
``requeue_at`` has come: retries, and photos whose task the queue lost.
"""

from __future__ import annotations

import io
import logging
import threading
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import DatabaseError, Error, InterfaceError, connection, transaction
from django.db.models import F, Q
from django.db.models.expressions import CombinedExpression
from django.utils import timezone
from django.utils.translation import gettext_noop

from kinframe.audit.actors import SYSTEM
from kinframe.audit.services import audit_log
from kinframe.credits.services import credits_refund_photo
from kinframe.db import close_broken_connections

from .files import delete_file, named_by_a_photo
from .flags import photo_flags_compute
from .imaging import ProcessedImage, UnsupportedImage, process_image
from .models import Photo, photo_key

logger = logging.getLogger(__name__)

#: Attempts a photo gets when processing crashes or hits an unexpected error (not storage errors).
MAX_PROCESSING_ATTEMPTS = 3
#: Seconds to wait before retry n (1-based) after an unexpected processing error.
RETRY_BACKOFF_SECONDS = (30, 120, 600)
#: Pauses between retries after storage or database errors grow from the first to the last.
INFRA_BACKOFF_MIN = timedelta(seconds=30)
INFRA_BACKOFF_MAX = timedelta(minutes=30)
#: A queued photo nobody claimed for a while is queued again, in case the queue lost its task
#: (a dropped connection between COMMIT and the enqueue, or a worker that died before claiming).
#: The wait doubles with the photo's age, so a long backlog is not queued over and over.
UNCLAIMED_BACKSTOP_MAX = timedelta(minutes=30)
GENERIC_FAILURE_MESSAGE = gettext_noop(
    "Something went wrong on our side while preparing this photo."
)
#: Errors of the machinery rather than of the image: retried for PHOTO_INFRA_RETRY_HOURS.
INFRASTRUCTURE_ERRORS: tuple[type[BaseException], ...] = (OSError, DatabaseError, InterfaceError)
try:  # S3-compatible storage raises botocore's errors, which are not OSErrors
    from botocore.exceptions import BotoCoreError, ClientError

    INFRASTRUCTURE_ERRORS += (BotoCoreError, ClientError)
except ImportError:  # pragma: no cover - botocore comes with django-storages[s3]
    pass


def claim_timeout() -> timedelta:
    return timedelta(seconds=settings.PHOTO_CLAIM_TIMEOUT_SECONDS)


def requeue_backstop(now: datetime | None = None, *, sent_at: datetime | None = None) -> datetime:
    """When to queue a photo again if its task is lost and no worker claims it.

    Twice the claim timeout after the send (two minutes by default), then the photo's age, up to
    half an hour: each re-queue of a photo that is merely waiting in a backlog doubles the wait.
    """
    now = now or timezone.now()
    wait = 2 * claim_timeout()
    if sent_at is not None:
        wait = max(wait, min(now - sent_at, UNCLAIMED_BACKSTOP_MAX))
    return now + wait


def lock_photo(photo: Photo | int) -> Photo:
    pk = photo.pk if isinstance(photo, Photo) else photo
    return Photo.objects.select_for_update().get(pk=pk)


def notify_sender(photo_id: int, template: str) -> None:
    """Email the sender once the current transaction commits."""
    from .tasks import notify_sender_of_photo

    transaction.on_commit(lambda: notify_sender_of_photo.enqueue(photo_id, template))


def queue_processing(photo_id: int) -> bool:
    """Queue the processing task; if the queue is down, leave the photo for the reaper instead.

    Never raises: it runs after a send has committed and charged, when an error would only
    mislead the sender. Returns whether the task was queued.
    """
    from .tasks import process_photo

    try:
        process_photo.enqueue(photo_id)
    except Exception:
        logger.warning("Could not queue photo %s; the reaper will", photo_id, exc_info=True)
        try:
            close_broken_connections()  # the queue may be the database, on a dropped connection
            Photo.objects.filter(pk=photo_id, claimed_at__isnull=True).update(
                requeue_at=timezone.now()
            )
        except Error:  # the database is down too: the send-time backstop still holds
            logger.warning("Could not mark photo %s for requeue", photo_id, exc_info=True)
        return False
    return True


def processing_warm_up() -> None:
    """Load libvips and everything processing touches before the first photo, not during it.

    A worker calls this once when it starts, so the first photo of a batch does not pay for
    importing and hardening pyvips (issue 13: the forking worker paid that for every photo).
    """
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), "gray").save(buffer, "JPEG")
    process_image(
        buffer.getvalue(),
        max_bytes=settings.PHOTO_MAX_UPLOAD_BYTES,
        max_pixels=settings.PHOTO_MAX_PIXELS,
    )


# --- Claims ----------------------------------------------------------------------------------------


def _stale_claim(cutoff: datetime) -> Q:
    """Claims whose worker has not beaten since ``cutoff`` (a claim without beats counts its start)."""
    return Q(claim_heartbeat_at__lt=cutoff) | Q(
        claim_heartbeat_at__isnull=True, claimed_at__lt=cutoff
    )


def _claim(photo_id: int) -> datetime | None:
    """Take the photo for this worker; None if it is done, gone, or another live worker has it.

    Returns the claim's token (its ``claimed_at``), which every later write checks, so a worker
    that was presumed dead and replaced cannot overwrite its successor's work.
    """
    now = timezone.now()
    claimed = (
        Photo.objects.filter(pk=photo_id, status=Photo.Status.RECEIVED)
        .filter(Q(claimed_at__isnull=True) | _stale_claim(now - claim_timeout()))
        .update(
            claimed_at=now,
            claim_heartbeat_at=now,
            requeue_at=None,
            processing_attempts=F("processing_attempts") + 1,
        )
    )
    return now if claimed else None


class ClaimHeartbeat:
    """Renew a claim from a small thread while the worker processes the photo.

    The thread first beats after a third of the claim timeout, so a photo processed in a few
    seconds (nearly all of them) costs no extra query. It uses its own database connection and
    closes it when done.
    """

    def __init__(self, photo_id: int, claim: datetime):
        self.photo_id = photo_id
        self.claim = claim
        self.interval = max(settings.PHOTO_CLAIM_TIMEOUT_SECONDS / 3, 0.05)
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name=f"claim-heartbeat-{photo_id}", daemon=True
        )

    def __enter__(self) -> ClaimHeartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        try:
            while not self._stop.wait(self.interval):
                try:
                    held = Photo.objects.filter(pk=self.photo_id, claimed_at=self.claim).update(
                        claim_heartbeat_at=timezone.now()
                    )
                except Error:
                    logger.warning("Claim heartbeat for photo %s failed", self.photo_id)
                    connection.close()  # a dropped connection: the next beat opens a new one
                    continue
                if not held:
                    return  # finished, or taken over by another worker
        finally:
            connection.close()


# --- Processing ------------------------------------------------------------------------------------


def photo_process(*, photo_id: int) -> Photo | None:
    """Turn a received photo's original into a clean display JPEG and thumbnail, for review.

    Runs in the worker. The photo is claimed with a conditional update so two workers never process
    it at once; decoding happens outside any transaction. A bad image fails the photo and refunds
    it; storage and database errors schedule a retry (see the module's docstring); any other
    error schedules a retry and re-raises, so the task is recorded as failed.
    Returns the photo, or None when there was nothing to do (or a retry was scheduled).
    """
    try:
        claim = _claim(photo_id)
    except Error:  # the connection died while the worker was idle: one fresh try
        close_broken_connections()
        claim = _claim(photo_id)
    if claim is None:
        return None
    photo = Photo.objects.get(pk=photo_id)
    if photo.processing_attempts > MAX_PROCESSING_ATTEMPTS:
        return _photo_fail(photo_id=photo_id, message=GENERIC_FAILURE_MESSAGE)
    new_files: list[str] = []
    with ClaimHeartbeat(photo_id, claim):
        try:
            with photo.original.open("rb") as original:
                data = original.read()
            result = process_image(
                data,
                max_bytes=settings.PHOTO_MAX_UPLOAD_BYTES,
                max_pixels=settings.PHOTO_MAX_PIXELS,
            )
            del data
            for content in (result.display, result.thumbnail):
                new_files.append(default_storage.save(photo_key(photo, ""), ContentFile(content)))
        except UnsupportedImage as exc:
            _delete_unnamed(new_files)
            return _photo_fail(photo_id=photo_id, message=str(exc), claim=claim)
        except INFRASTRUCTURE_ERRORS:
            logger.warning("Photo %s met a storage error; will retry", photo_id, exc_info=True)
            _delete_unnamed(new_files)
            _retry_later(photo, claim=claim, infrastructure=True)
            return None
        except Exception:
            _delete_unnamed(new_files)
            _retry_later(photo, claim=claim, infrastructure=False)
            raise
        try:
            processed = _photo_processed(
                photo_id=photo_id, claim=claim, result=result, names=new_files
            )
        except Error:
            # The database failed while recording the result, maybe after committing it: delete
            # whichever files no row names now (the new ones if it rolled back, the original if
            # it committed); if nobody can tell, the orphan sweeper decides later.
            logger.warning("Photo %s: database error; will retry", photo_id, exc_info=True)
            _delete_unnamed([*new_files, photo.original.name])
            _retry_later(photo, claim=claim, infrastructure=True)
            return None
        if processed is not None and processed.status == Photo.Status.PENDING_REVIEW:
            photo_flags_compute(photo=processed)  # consistency flags (flags.py); never raises
        return processed


def _delete_unnamed(names: list[str]) -> None:
    """Delete files this worker wrote, except any that a committed row names."""
    if not names:
        return
    try:
        close_broken_connections()
        keep = named_by_a_photo(names)
    except Error:
        return  # nobody can tell now: the orphan sweeper removes them later if unnamed
    for name in names:
        if name not in keep:
            delete_file(name)


def _retry_later(photo: Photo, *, claim: datetime, infrastructure: bool) -> None:
    """Release the claim and set when the reaper queues the photo again (or fail it, at the end).

    Storage and database errors do not use up one of the photo's attempts; they are retried with
    pauses that double (the pause is the photo's age, between 30 s and 30 min) until
    ``PHOTO_INFRA_RETRY_HOURS`` after the send.
    """
    now = timezone.now()
    age = now - photo.created_at
    if infrastructure:
        if age > timedelta(hours=settings.PHOTO_INFRA_RETRY_HOURS):
            _fail_quietly(photo.pk, claim)
            return
        pause = min(max(age, INFRA_BACKOFF_MIN), INFRA_BACKOFF_MAX)
        # Not the photo's fault: this attempt does not count.
        attempts: F | CombinedExpression = F("processing_attempts") - 1
    else:
        if photo.processing_attempts >= MAX_PROCESSING_ATTEMPTS:
            logger.exception(
                "Photo %s failed processing %s times", photo.pk, MAX_PROCESSING_ATTEMPTS
            )
            _fail_quietly(photo.pk, claim)
            return
        index = min(photo.processing_attempts, len(RETRY_BACKOFF_SECONDS)) - 1
        pause = timedelta(seconds=RETRY_BACKOFF_SECONDS[max(index, 0)])
        attempts = F("processing_attempts")
    try:
        close_broken_connections()
        Photo.objects.filter(pk=photo.pk, status=Photo.Status.RECEIVED, claimed_at=claim).update(
            claimed_at=None,
            claim_heartbeat_at=None,
            requeue_at=now + pause,
            processing_attempts=attempts,
        )
    except Error:
        # The database is gone: the claim goes stale and the reaper takes the photo back.
        logger.warning("Could not release photo %s; the reaper will", photo.pk, exc_info=True)


def _fail_quietly(photo_id: int, claim: datetime) -> None:
    try:
        _photo_fail(photo_id=photo_id, message=GENERIC_FAILURE_MESSAGE, claim=claim)
    except Error:
        logger.warning("Could not fail photo %s; the reaper will", photo_id, exc_info=True)


@transaction.atomic
def _photo_processed(
    *, photo_id: int, claim: datetime, result: ProcessedImage, names: list[str]
) -> Photo:
    photo = lock_photo(photo_id)
    original = photo.original.name
    if photo.status != Photo.Status.RECEIVED or photo.claimed_at != claim:
        # Withdrawn meanwhile (the recipient was released), or another worker took the photo
        # over after this one was presumed dead: keep nothing of this attempt.
        for name in names:
            transaction.on_commit(partial(delete_file, name))
        if photo.status != Photo.Status.RECEIVED and original:
            transaction.on_commit(partial(delete_file, original))
            photo.original = ""
            photo.save(update_fields=["original"])
        return photo
    photo.image.name, photo.thumbnail.name = names
    photo.original = ""
    photo.width, photo.height = result.width, result.height
    photo.sha256, photo.phash = result.sha256, result.phash
    photo.processed_at = timezone.now()
    photo.claimed_at = photo.claim_heartbeat_at = photo.requeue_at = None
    photo.status = Photo.Status.PENDING_REVIEW
    photo.save(
        update_fields=[
            "image", "thumbnail", "original", "width", "height", "sha256", "phash",
            "processed_at", "claimed_at", "claim_heartbeat_at", "requeue_at", "status",
        ]
    )  # fmt: skip
    audit_log(
        "photo.processed",
        actor=SYSTEM,
        target=photo,
        data={"width": photo.width, "height": photo.height},
    )
    # The original is kept only until processing ends, and only deleted once that is committed.
    transaction.on_commit(lambda: delete_file(original))
    return photo


@transaction.atomic
def _photo_fail(*, photo_id: int, message: str, claim: datetime | None = None) -> Photo:
    """The photo cannot be processed: refund once, tell the sender, drop the original.

    With ``claim``, only while that claim still holds (a successor may have taken the photo over).
    """
    photo = lock_photo(photo_id)
    if photo.status != Photo.Status.RECEIVED:
        return photo
    if claim is not None and photo.claimed_at != claim:
        return photo
    original = photo.original.name
    photo.status = Photo.Status.FAILED
    photo.failure_message = message[:300]
    photo.original = ""
    photo.claimed_at = photo.claim_heartbeat_at = photo.requeue_at = None
    photo.processed_at = timezone.now()
    photo.save(
        update_fields=[
            "status", "failure_message", "original", "claimed_at", "claim_heartbeat_at",
            "requeue_at", "processed_at",
        ]
    )  # fmt: skip
    credits_refund_photo(photo=photo, actor=SYSTEM)
    audit_log("photo.failed", actor=SYSTEM, target=photo, data={"message": photo.failure_message})
    transaction.on_commit(lambda: delete_file(original))
    notify_sender(photo.pk, "photo_failed")
    return photo


# --- The reaper ------------------------------------------------------------------------------------


def photos_requeue_stuck(*, now: datetime | None = None) -> int:
    """Queue again photos whose worker died, whose retry is due, or whose task was lost.

    Every worker runs this every ``PHOTO_REAPER_INTERVAL_SECONDS`` (``kinframe requeue_photos``
    on demand). A claim is stale when its worker has not renewed it for
    ``PHOTO_CLAIM_TIMEOUT_SECONDS``; a photo that has lost ``MAX_PROCESSING_ATTEMPTS`` workers
    fails and is refunded. Several reapers may run at once: each change is a conditional update,
    and a duplicate task finds the photo claimed or done and does nothing. Returns how many
    photos it queued or failed.
    """
    now = now or timezone.now()
    received = Photo.objects.filter(status=Photo.Status.RECEIVED)
    count = 0
    stale = received.filter(claimed_at__isnull=False).filter(_stale_claim(now - claim_timeout()))
    for pk, claim, attempts in stale.values_list("pk", "claimed_at", "processing_attempts"):
        if attempts >= MAX_PROCESSING_ATTEMPTS:
            _photo_fail(photo_id=pk, message=GENERIC_FAILURE_MESSAGE, claim=claim)
            count += 1
            continue
        released = received.filter(pk=pk, claimed_at=claim).update(
            claimed_at=None, claim_heartbeat_at=None, requeue_at=requeue_backstop(now)
        )
        if released:
            logger.warning("Photo %s: its worker stopped; queued again", pk)
            count += queue_processing(pk)
    due = received.filter(claimed_at__isnull=True).filter(
        Q(requeue_at__lte=now) | Q(requeue_at__isnull=True, created_at__lt=now - claim_timeout())
    )
    for pk, requeue_at, sent_at in due.values_list("pk", "requeue_at", "created_at"):
        taken = received.filter(pk=pk, claimed_at__isnull=True, requeue_at=requeue_at).update(
            requeue_at=requeue_backstop(now, sent_at=sent_at)
        )
        if taken:
            count += queue_processing(pk)
    return count
