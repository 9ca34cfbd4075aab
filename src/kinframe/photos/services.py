"""Photo operations: send, process, review, deliver. Each runs in one transaction and is audited.

State changes lock the photo row, re-check the state and refuse (``PhotoStateError``) if the photo has
moved on, so two reviewers clicking at once, or a retried request, can never refund twice.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from kinframe.audit.actors import SYSTEM, Actor
from kinframe.audit.context import current_origin
from kinframe.audit.services import audit_log
from kinframe.connections.models import Connection
from kinframe.credits.services import credits_charge_photo, credits_refund_photo
from kinframe.facilities.models import Inmate, RejectionReason
from kinframe.notify import events

from .flags import photo_flags_compute
from .imaging import UnsupportedImage, probe_image, process_image
from .models import Photo, PhotoView, photo_key

logger = logging.getLogger(__name__)

#: Attempts a photo gets at processing (a crash or an unexpected error uses one up).
MAX_PROCESSING_ATTEMPTS = 3
#: A claim older than this belongs to a worker that died; processing takes seconds.
PROCESSING_TIMEOUT = timedelta(minutes=10)
#: Seconds to wait before retry n (1-based) after an unexpected processing error.
RETRY_BACKOFF_SECONDS = (30, 120, 600)
GENERIC_FAILURE_MESSAGE = "Something went wrong on our side while preparing this photo."


class PhotoStateError(Exception):
    """The photo is no longer in a state that allows this; nothing was changed."""

    def __init__(self, photo: Photo, action: str):
        self.photo = photo
        self.action = action
        super().__init__(f"This photo is {photo.get_status_display()} and cannot be {action}.")


class PhotoSendError(ValueError):
    """The photo cannot be sent; ``str(exc)`` is the message for the sender. Nothing was charged."""


def _locked(photo: Photo | int) -> Photo:
    pk = photo.pk if isinstance(photo, Photo) else photo
    return Photo.objects.select_for_update().get(pk=pk)


def _notify_sender(photo_id: int, template: str) -> None:
    from .tasks import notify_sender_of_photo

    transaction.on_commit(lambda: notify_sender_of_photo.enqueue(photo_id, template))


@transaction.atomic
def photo_approve(*, photo: Photo | int, actor: Actor) -> Photo:
    """Deliver the photo to its recipient. ``actor`` is the reviewer."""
    photo = _locked(photo)
    if photo.status != Photo.Status.PENDING_REVIEW:
        raise PhotoStateError(photo, "approved")
    photo.status = Photo.Status.APPROVED
    photo.reviewed_by = actor.user
    photo.reviewed_at = timezone.now()
    photo.save(update_fields=["status", "reviewed_by", "reviewed_at"])
    audit_log("photo.approved", actor=actor, target=photo)
    events.publish_on_commit(events.PHOTO_DELIVERED, photo_id=photo.pk)
    return photo


@transaction.atomic
def photo_reject(*, photo: Photo | int, actor: Actor, reason: RejectionReason) -> Photo:
    """Refuse the photo with one of its facility's reasons and give the credits back at once."""
    photo = _locked(photo)
    if photo.status != Photo.Status.PENDING_REVIEW:
        raise PhotoStateError(photo, "rejected")
    if reason.facility_id != photo.facility_id or not reason.is_active:
        raise ValueError("That reason is not one of this facility's reasons.")
    photo.status = Photo.Status.REJECTED
    photo.reviewed_by = actor.user
    photo.reviewed_at = timezone.now()
    photo.rejection_reason = reason
    photo.save(update_fields=["status", "reviewed_by", "reviewed_at", "rejection_reason"])
    credits_refund_photo(photo=photo, actor=actor)
    audit_log(
        "photo.rejected",
        actor=actor,
        target=photo,
        data={"reason": reason.code},
    )
    _notify_sender(photo.pk, "photo_rejected")
    return photo


@transaction.atomic
def photo_withdraw(*, photo: Photo | int, actor: Actor) -> Photo:
    """The sender takes back a photo that nobody has reviewed yet, and gets the credits back."""
    photo = _locked(photo)
    if actor.user is None or photo.sender_id != actor.user.pk:
        raise PermissionError("Only the sender can withdraw a photo.")
    if photo.status != Photo.Status.PENDING_REVIEW:
        raise PhotoStateError(photo, "withdrawn")
    photo.status = Photo.Status.WITHDRAWN
    photo.save(update_fields=["status"])
    credits_refund_photo(photo=photo, actor=actor)
    audit_log("photo.withdrawn", actor=actor, target=photo)
    return photo


UNDELIVERABLE_MOVED = "They are no longer at that facility."
UNDELIVERABLE_ENDED = "The connection was ended before the photo was reviewed."


@transaction.atomic
def photo_mark_undeliverable(
    *, photo: Photo | int, actor: Actor, why: str = UNDELIVERABLE_MOVED
) -> Photo:
    """The photo can no longer reach its recipient before review: refund, and tell the sender why.

    ``why`` is shown to the sender (kept in ``failure_message``): the recipient was released or
    moved, or the connection was ended.
    """
    photo = _locked(photo)
    if photo.status not in (Photo.Status.RECEIVED, Photo.Status.PENDING_REVIEW):
        raise PhotoStateError(photo, "marked undeliverable")
    photo.status = Photo.Status.UNDELIVERABLE
    photo.failure_message = why
    original = photo.original.name
    photo.original = ""  # a photo still being processed: its original is no longer needed
    photo.save(update_fields=["status", "original", "failure_message"])
    if original:
        transaction.on_commit(lambda: _delete_file(original))
    credits_refund_photo(photo=photo, actor=actor)
    audit_log("photo.undeliverable", actor=actor, target=photo)
    _notify_sender(photo.pk, "photo_undeliverable")
    return photo


@transaction.atomic
def photo_record_view(*, photo: Photo, actor: Actor, variant: str = "display") -> PhotoView:
    """Record one opening of a photo by its recipient (an inmate actor) or a staff member."""
    origin = current_origin.get()
    view = PhotoView.objects.create(
        photo=photo,
        viewer_kind=PhotoView.ViewerKind.INMATE if actor.inmate else PhotoView.ViewerKind.STAFF,
        viewer_inmate=actor.inmate,
        viewer_user=actor.user,
        variant=variant,
        ip_address=origin.ip_address,
        user_agent=origin.user_agent,
    )
    audit_log(
        "photo.viewed",
        actor=actor,
        target=photo,
        data={"variant": variant},
    )
    return view


# --- Sending ---------------------------------------------------------------------------------------


def _check_connection(*, sender, connection: Connection, lock: bool = False) -> Connection:
    """Re-read the connection and refuse unless photos may travel over it right now.

    With ``lock`` (inside the send's transaction) the connection and inmate rows are locked, the
    same rows that ending the connection and releasing or moving the person lock. So a send either
    commits first, and the photos it charged are then refunded by the release, or it waits and
    then sees the person gone: a photo is never charged for someone who can no longer get it.
    Lock order everywhere: connection, inmate, photo, wallet.
    """
    rows = Connection.objects.select_related("inmate__facility")
    if lock:
        rows = rows.select_for_update(of=("self", "inmate"))
    current = rows.filter(pk=connection.pk).first()
    if current is None or current.sender_id != sender.pk:
        raise PhotoSendError("You can only send photos to people you are connected with.")
    if current.status != Connection.Status.APPROVED:
        raise PhotoSendError(
            f"{current.inmate.full_name} has not approved your connection, "
            "so you cannot send photos yet."
        )
    inmate = current.inmate
    if inmate.status != Inmate.Status.ACTIVE:
        raise PhotoSendError(
            f"{inmate.full_name} is no longer at {inmate.facility.name}; photos cannot be sent."
        )
    if not inmate.facility.photos_enabled:
        raise PhotoSendError(f"{inmate.facility.name} does not accept photos at the moment.")
    return current


def _upload_name(upload, filename: str = "") -> str:
    name = filename or getattr(upload, "name", "") or "photo"
    return os.path.basename(str(name).replace("\\", "/"))[:200] or "photo"


def _probe_upload(upload, name: str) -> None:
    """Refuse a file that is not an acceptable image, reading at most one byte over the limit.

    Raises ``UnsupportedImage`` with ``filename`` set, so the sender learns which file it was.
    """
    limit = settings.PHOTO_MAX_UPLOAD_BYTES
    upload.seek(0)
    data = upload.read(limit + 1)
    upload.seek(0)
    try:
        probe_image(data, max_bytes=limit, max_pixels=settings.PHOTO_MAX_PIXELS)
    except UnsupportedImage as exc:
        exc.filename = name
        raise


def photo_send(*, actor: Actor, connection: Connection, upload, filename: str = "") -> Photo:
    """Send one photo: see ``photo_send_many``."""
    return photo_send_many(actor=actor, connection=connection, uploads=[(upload, filename)])[0]


def photo_send_many(*, actor: Actor, connection: Connection, uploads: Sequence) -> list[Photo]:
    """``actor`` (a sender) sends several photos to one recipient: all are sent and charged, or none.

    ``uploads`` holds file objects (Django ``UploadedFile``/``File``; the name comes from
    ``.name``) or ``(file, filename)`` pairs. Every file is checked by its bytes before anything is
    charged. Raises ``PhotoSendError`` or ``UnsupportedImage`` (with ``.filename``), or
    ``InsufficientCredits``; in each case no credits move, no rows are written and no file is left
    in storage.
    """
    items = [item if isinstance(item, tuple) else (item, "") for item in uploads]
    if not items:
        raise PhotoSendError("Choose at least one photo to send.")
    if len(items) > settings.PHOTO_MAX_PER_SEND:
        raise PhotoSendError(
            f"You can send at most {settings.PHOTO_MAX_PER_SEND} photos at once; "
            f"you chose {len(items)}."
        )
    sender = actor.user
    if sender is None:
        raise PhotoSendError("Only a signed-in sender can send photos.")
    # Cheap checks first, outside the transaction: a refused file never reaches the ledger.
    _check_connection(sender=sender, connection=connection)
    named = [(upload, _upload_name(upload, filename)) for upload, filename in items]
    for upload, name in named:
        _probe_upload(upload, name)

    stored: list[str] = []
    try:
        with transaction.atomic():
            connection = _check_connection(sender=sender, connection=connection, lock=True)
            inmate = connection.inmate
            photos = []
            for upload, name in named:
                photo = Photo(
                    sender=sender,
                    inmate=inmate,
                    connection=connection,
                    facility=inmate.facility,
                    price=inmate.facility.photo_price,
                    original_name=name,
                )
                upload.seek(0)
                # The file is written before the row so the row never names a missing file; if
                # anything below fails, the except clause removes what was written.
                photo.original.save(name, upload, save=False)
                stored.append(photo.original.name)
                photo.save()
                credits_charge_photo(photo=photo)  # locks the wallet; InsufficientCredits
                audit_log(
                    "photo.sent",
                    actor=actor,
                    target=photo,
                    data={"price": photo.price, "connection": connection.pk, "batch": len(named)},
                )
                photos.append(photo)
            from .tasks import process_photo

            for photo in photos:
                transaction.on_commit(partial(process_photo.enqueue, photo.pk))
    except BaseException:
        for name in stored:
            _delete_file(name)
        raise
    return photos


def _delete_file(name: str) -> None:
    if not name:
        return
    try:
        default_storage.delete(name)
    except Exception:  # a missing file is already gone; never let cleanup hide the real error
        logger.warning("Could not delete photo file %s", name, exc_info=True)


# --- Processing ------------------------------------------------------------------------------------


def _claim(photo_id: int) -> bool:
    """Take the photo for this worker; False if it is done, gone, or another live worker has it."""
    now = timezone.now()
    return bool(
        Photo.objects.filter(pk=photo_id, status=Photo.Status.RECEIVED)
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - PROCESSING_TIMEOUT))
        .update(claimed_at=now, processing_attempts=F("processing_attempts") + 1)
    )


def photo_process(*, photo_id: int) -> Photo | None:
    """Turn a received photo's original into a clean display JPEG and thumbnail, for review.

    Runs in the worker. The photo is claimed with a conditional update so two workers never process
    it at once; decoding happens outside any transaction. A file that turns out not to be a usable
    image fails the photo and refunds it; an unexpected error releases the claim and re-raises
    (the caller retries), and the last allowed attempt fails and refunds instead.
    Returns the photo, or None when there was nothing to do.
    """
    if not _claim(photo_id):
        return None
    photo = Photo.objects.get(pk=photo_id)
    if photo.processing_attempts > MAX_PROCESSING_ATTEMPTS:
        return _photo_fail(photo_id=photo_id, message=GENERIC_FAILURE_MESSAGE)
    new_files: list[str] = []
    try:
        with photo.original.open("rb") as original:
            data = original.read()
        result = process_image(
            data,
            max_bytes=settings.PHOTO_MAX_UPLOAD_BYTES,
            max_pixels=settings.PHOTO_MAX_PIXELS,
        )
        del data
        display_name = default_storage.save(photo_key(photo, ""), ContentFile(result.display))
        new_files.append(display_name)
        thumb_name = default_storage.save(photo_key(photo, ""), ContentFile(result.thumbnail))
        new_files.append(thumb_name)
        photo = _photo_processed(photo_id=photo_id, result=result, names=(display_name, thumb_name))
    except UnsupportedImage as exc:
        for name in new_files:
            _delete_file(name)
        return _photo_fail(photo_id=photo_id, message=str(exc))
    except Exception:
        for name in new_files:
            _delete_file(name)
        Photo.objects.filter(pk=photo_id, status=Photo.Status.RECEIVED).update(claimed_at=None)
        if photo.processing_attempts >= MAX_PROCESSING_ATTEMPTS:
            logger.exception(
                "Photo %s failed processing %s times", photo_id, MAX_PROCESSING_ATTEMPTS
            )
            _photo_fail(photo_id=photo_id, message=GENERIC_FAILURE_MESSAGE)
        else:
            _enqueue_retry(photo_id, attempt=photo.processing_attempts)
        raise
    if photo.status == Photo.Status.PENDING_REVIEW:
        photo_flags_compute(photo=photo)  # consistency flags (photos/flags.py); never raises
    return photo


def _enqueue_retry(photo_id: int, *, attempt: int) -> None:
    from .tasks import process_photo

    task = process_photo
    if task.get_backend().supports_defer:
        delay = RETRY_BACKOFF_SECONDS[min(attempt, len(RETRY_BACKOFF_SECONDS)) - 1]
        task = task.using(run_after=timezone.now() + timedelta(seconds=delay))
    transaction.on_commit(lambda: task.enqueue(photo_id))


@transaction.atomic
def _photo_processed(*, photo_id: int, result, names: tuple[str, str]) -> Photo:
    photo = _locked(photo_id)
    original = photo.original.name
    if photo.status != Photo.Status.RECEIVED:
        # Withdrawn from processing meanwhile (e.g. the recipient was released): keep nothing.
        for name in (*names, original):
            transaction.on_commit(partial(_delete_file, name))
        photo.original = ""
        photo.save(update_fields=["original"])
        return photo
    photo.image.name, photo.thumbnail.name = names
    photo.original = ""
    photo.width, photo.height = result.width, result.height
    photo.sha256, photo.phash = result.sha256, result.phash
    photo.processed_at = timezone.now()
    photo.claimed_at = None
    photo.status = Photo.Status.PENDING_REVIEW
    photo.save(
        update_fields=[
            "image", "thumbnail", "original", "width", "height", "sha256", "phash",
            "processed_at", "claimed_at", "status",
        ]
    )  # fmt: skip
    audit_log(
        "photo.processed",
        actor=SYSTEM,
        target=photo,
        data={"width": photo.width, "height": photo.height},
    )
    # The original is kept only until processing ends, and only deleted once that is committed.
    transaction.on_commit(lambda: _delete_file(original))
    return photo


@transaction.atomic
def _photo_fail(*, photo_id: int, message: str) -> Photo:
    """The photo cannot be processed: refund once, tell the sender, drop the original."""
    photo = _locked(photo_id)
    if photo.status != Photo.Status.RECEIVED:
        return photo
    original = photo.original.name
    photo.status = Photo.Status.FAILED
    photo.failure_message = message[:300]
    photo.original = ""
    photo.claimed_at = None
    photo.processed_at = timezone.now()
    photo.save(
        update_fields=["status", "failure_message", "original", "claimed_at", "processed_at"]
    )
    credits_refund_photo(photo=photo, actor=SYSTEM)
    audit_log("photo.failed", actor=SYSTEM, target=photo, data={"message": photo.failure_message})
    transaction.on_commit(lambda: _delete_file(original))
    _notify_sender(photo.pk, "photo_failed")
    return photo


def photos_requeue_stuck(*, older_than: timedelta = PROCESSING_TIMEOUT) -> int:
    """Hand photos stuck in ``received`` (their worker died) to the queue again; returns how many.

    Called by ``kinframe requeue_photos`` and when a worker starts. A photo whose claim is still
    fresh is left alone: its worker may be busy with it.
    """
    from .tasks import process_photo

    cutoff = timezone.now() - older_than
    stuck = Photo.objects.filter(status=Photo.Status.RECEIVED, created_at__lt=cutoff).filter(
        Q(claimed_at__isnull=True) | Q(claimed_at__lt=cutoff)
    )
    count = 0
    for pk, claimed_at in stuck.values_list("pk", "claimed_at"):
        # Release the dead worker's claim, unless a live worker took the photo meanwhile.
        released = Photo.objects.filter(
            pk=pk, status=Photo.Status.RECEIVED, claimed_at=claimed_at
        ).update(claimed_at=None)
        if released:
            process_photo.enqueue(pk)
            count += 1
    return count


def photos_undeliverable_for_inmate(
    *,
    inmate: Inmate,
    actor: Actor,
    facility=None,
    connection=None,
    why: str = UNDELIVERABLE_MOVED,
) -> int:
    """The person was released or moved, or a connection ended: photos still on their way stop.

    Each photo becomes undeliverable, is refunded once and its sender told ``why``. ``facility``
    limits it to photos addressed to that facility (for a transfer, the one they left);
    ``connection`` to photos sent over that connection. Returns how many photos it changed.
    """
    pending = Photo.objects.filter(
        inmate=inmate, status__in=(Photo.Status.RECEIVED, Photo.Status.PENDING_REVIEW)
    )
    if facility is not None:
        pending = pending.filter(facility=facility)
    if connection is not None:
        pending = pending.filter(connection=connection)
    count = 0
    for pk in pending.values_list("pk", flat=True):
        try:
            photo_mark_undeliverable(photo=pk, actor=actor, why=why)
        except PhotoStateError:
            continue  # reviewed or withdrawn a moment ago
        count += 1
    return count
