"""Sending photos: check every file by its bytes, then store, create and charge them all or none.

The one subtle part is the cleanup of stored files when something fails. Files are written before
the rows that name them, so on failure the send removes them, but only when it knows the
transaction did not commit: if COMMIT itself raised (a dropped connection can lose the server's
answer), the send asks the database whether its photos exist, and keeps and queues them if they do.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from functools import partial

from django.conf import settings
from django.db import DatabaseError, InterfaceError, transaction
from django.utils.translation import gettext, gettext_lazy, ngettext

from kinframe.audit.actors import Actor
from kinframe.audit.services import audit_log
from kinframe.connections.models import Connection
from kinframe.credits.services import credits_charge_photo
from kinframe.db import close_broken_connections
from kinframe.facilities.models import Inmate
from kinframe.restrictions.selectors import send_refusal
from kinframe.restrictions.watch import watchlist_flag_photos

from .errors import PhotoSendError, PhotoStorageUnavailable
from .files import delete_file
from .imaging import UnsupportedImage, megabytes, probe_image
from .models import Photo
from .processing import queue_processing, requeue_backstop

logger = logging.getLogger(__name__)

#: Errors of the machinery, not of the sender's files: the send is refused with a 503.
INFRASTRUCTURE_ERRORS = (OSError, DatabaseError, InterfaceError)
SEND_UNCONFIRMED_MESSAGE = gettext_lazy(
    "We couldn't confirm that your photos were sent. Please look at your photo history in a few "
    "minutes before you send them again."
)


def _check_connection(*, sender, connection: Connection, lock: bool = False) -> Connection:
    """Re-read the connection and refuse unless photos may travel over it right now.

    With ``lock`` (inside the send's transaction) the connection and inmate rows are locked, the
    same rows that ending the connection and releasing or moving the person lock. So a send either
    commits first, and the photos it charged are then refunded by the release, or it waits and
    then sees the person gone: a photo is never charged for someone who can no longer get it.
    Lock order everywhere: connection, inmate, photo, wallet. A block locks the sender's
    connections it reaches, and a suspension the person, before refunding: the same race, the same
    answer.
    """
    rows = Connection.objects.select_related("inmate__facility")
    if lock:
        rows = rows.select_for_update(of=("self", "inmate"))
    current = rows.filter(pk=connection.pk).first()
    if current is None or current.sender_id != sender.pk:
        raise PhotoSendError(gettext("You can only send photos to people you are connected with."))
    if current.status != Connection.Status.APPROVED:
        raise PhotoSendError(
            gettext("%(name)s has not approved your connection, so you cannot send photos yet.")
            % {"name": current.inmate.full_name}
        )
    inmate = current.inmate
    if inmate.status != Inmate.Status.ACTIVE:
        raise PhotoSendError(
            gettext("%(name)s is no longer at %(facility)s; photos cannot be sent.")
            % {"name": inmate.full_name, "facility": inmate.facility.name}
        )
    if not inmate.facility.photos_enabled:
        raise PhotoSendError(
            gettext("%(facility)s does not accept photos at the moment.")
            % {"facility": inmate.facility.name}
        )
    if (refusal := send_refusal(sender=sender, inmate=inmate)) is not None:  # blocks, suspensions
        raise PhotoSendError(refusal)
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
        refusal = UnsupportedImage(_in_sender_words(exc, max_bytes=limit), code=exc.code)
        refusal.filename = name
        raise refusal from exc


def _in_sender_words(exc: UnsupportedImage, *, max_bytes: int) -> str:
    """``exc``'s message in the sender's language. ``imaging`` is kept free of Django, so it
    speaks English; its codes say which message it was."""
    words = {
        "formats": gettext("JPEG, PNG, WebP, HEIC or GIF"),
        "size": megabytes(max_bytes),
        "megapixels": f"{settings.PHOTO_MAX_PIXELS / 1_000_000:g}",
    }
    if exc.code == "too_many_pixels" and exc.size is not None:
        width, height = exc.size
        return gettext(
            "This photo has too many pixels (%(width)s x %(height)s). "
            "Send a photo of at most %(megapixels)s megapixels."
        ) % {**words, "width": width, "height": height}
    message = {
        "empty": gettext("This file is empty. Send a %(formats)s of at most %(size)s MB."),
        "too_large": gettext("This file is too large. Send a %(formats)s of at most %(size)s MB."),
        "format": gettext(
            "This file is not a photo we can accept. Send a %(formats)s of at most %(size)s MB."
        ),
        "header": gettext(
            "This photo seems to be damaged or incomplete, so we cannot use it. "
            "Try sending it again, or send another %(formats)s file."
        ),
    }.get("header" if exc.code == "damaged" else exc.code)
    return message % words if message else str(exc)


def photo_send(*, actor: Actor, connection: Connection, upload, filename: str = "") -> Photo:
    """Send one photo: see ``photo_send_many``."""
    return photo_send_many(actor=actor, connection=connection, uploads=[(upload, filename)])[0]


def photo_send_many(*, actor: Actor, connection: Connection, uploads: Sequence) -> list[Photo]:
    """``actor`` (a sender) sends several photos to one recipient: all are sent and charged, or none.

    ``uploads`` holds file objects (Django ``UploadedFile``/``File``; the name comes from
    ``.name``) or ``(file, filename)`` pairs. Every file is checked by its bytes before anything is
    charged. Raises ``PhotoSendError`` or ``UnsupportedImage`` (with ``.filename``), or
    ``InsufficientCredits``, or ``PhotoStorageUnavailable`` when storage or the database failed;
    in each case no credits move, no rows are written and no file is left in storage.
    """
    items = [item if isinstance(item, tuple) else (item, "") for item in uploads]
    if not items:
        raise PhotoSendError(gettext("Choose at least one photo to send."))
    if len(items) > settings.PHOTO_MAX_PER_SEND:
        raise PhotoSendError(
            ngettext(
                "You can send at most %(most)d photo at once; you chose %(count)d.",
                "You can send at most %(most)d photos at once; you chose %(count)d.",
                settings.PHOTO_MAX_PER_SEND,
            )
            % {"most": settings.PHOTO_MAX_PER_SEND, "count": len(items)}
        )
    sender = actor.user
    if sender is None:
        raise PhotoSendError(gettext("Only a signed-in sender can send photos."))
    # Cheap checks first, outside the transaction: a refused file never reaches the ledger.
    try:
        _check_connection(sender=sender, connection=connection)
    except INFRASTRUCTURE_ERRORS as exc:
        raise PhotoStorageUnavailable() from exc
    named = [(upload, _upload_name(upload, filename)) for upload, filename in items]
    for upload, name in named:
        _probe_upload(upload, name)

    stored: list[str] = []
    photos: list[Photo] = []
    committing = False
    try:
        with transaction.atomic():
            connection = _check_connection(sender=sender, connection=connection, lock=True)
            inmate = connection.inmate
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
                # the transaction does not commit, the except clause removes what was written.
                photo.original.save(name, upload, save=False)
                stored.append(photo.original.name)
                photo.requeue_at = requeue_backstop()
                photo.save()
                credits_charge_photo(photo=photo)  # locks the wallet; InsufficientCredits
                audit_log(
                    "photo.sent",
                    actor=actor,
                    target=photo,
                    data={"price": photo.price, "connection": connection.pk, "batch": len(named)},
                )
                photos.append(photo)
            watchlist_flag_photos(photos=photos, actor=actor)  # flags for review; blocks nothing
            for photo in photos:
                # robust: a queue that is down must not turn a committed, charged send into an
                # error; the photo's requeue_at makes the reaper queue it later instead.
                transaction.on_commit(partial(queue_processing, photo.pk), robust=True)
            committing = True  # anything raised from here on came from COMMIT itself
    except BaseException as exc:
        outcome = _committed(photos) if committing else False
        if outcome:
            logger.warning("A send's COMMIT raised, but its photos exist: kept", exc_info=True)
            for photo in photos:
                queue_processing(photo.pk)
            return photos
        if outcome is None:
            # Nobody can tell whether COMMIT happened: keep the files (the orphan sweeper removes
            # them later if no photo names them), and never promise that nothing was charged.
            raise PhotoStorageUnavailable(str(SEND_UNCONFIRMED_MESSAGE)) from exc
        for name in stored:
            delete_file(name)
        if isinstance(exc, INFRASTRUCTURE_ERRORS):
            raise PhotoStorageUnavailable() from exc
        raise
    return photos


def _committed(photos: list[Photo]) -> bool | None:
    """Whether these photos' rows exist, after a COMMIT that raised; None if nobody can tell."""
    if not photos or transaction.get_connection().in_atomic_block:
        return False  # a savepoint inside someone else's transaction: it did not commit
    try:
        close_broken_connections()  # a dropped connection: the query below opens a new one
        public_ids = [photo.public_id for photo in photos]
        found = Photo.objects.filter(public_id__in=public_ids).count()
    except INFRASTRUCTURE_ERRORS:
        logger.warning("Cannot tell whether a send committed", exc_info=True)
        return None
    return found == len(photos)
