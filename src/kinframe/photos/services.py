"""Photo operations: review, withdraw, deliver, record views. Each runs in one transaction and is
audited. Sending lives in ``sending.py`` and processing in ``processing.py``; this module is the one
door callers use for all of them.

State changes lock the photo row, re-check the state and refuse (``PhotoStateError``) if the photo has
moved on, so two reviewers clicking at once, or a retried request, can never refund twice.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from kinframe.audit.actors import Actor
from kinframe.audit.context import current_origin
from kinframe.audit.services import audit_log
from kinframe.credits.services import credits_refund_photo
from kinframe.facilities.models import Inmate, RejectionReason
from kinframe.notify import events

from .errors import PhotoSendError, PhotoStateError, PhotoStorageUnavailable
from .files import delete_file
from .models import Photo, PhotoView
from .processing import (
    GENERIC_FAILURE_MESSAGE,
    MAX_PROCESSING_ATTEMPTS,
    photo_process,
    photos_requeue_stuck,
)
from .processing import lock_photo as _locked
from .processing import notify_sender as _notify_sender
from .sending import photo_send, photo_send_many

__all__ = [
    "GENERIC_FAILURE_MESSAGE",
    "MAX_PROCESSING_ATTEMPTS",
    "UNDELIVERABLE_ENDED",
    "UNDELIVERABLE_MOVED",
    "PhotoSendError",
    "PhotoStateError",
    "PhotoStorageUnavailable",
    "photo_approve",
    "photo_mark_undeliverable",
    "photo_process",
    "photo_record_view",
    "photo_reject",
    "photo_send",
    "photo_send_many",
    "photo_withdraw",
    "photos_requeue_stuck",
    "photos_undeliverable_for_inmate",
]


#: A decision's notice waits this long, so the reviewer's undo (10 s) can still call it off.
DECISION_NOTICE_DELAY = timedelta(seconds=15)


def _notify_decision(photo: Photo, template: str) -> None:
    """Tell the sender of a decision a little later; an undone decision sends nothing."""
    from .tasks import notify_sender_of_photo

    task = notify_sender_of_photo
    if task.get_backend().supports_defer:
        task = task.using(run_after=timezone.now() + DECISION_NOTICE_DELAY)
    assert photo.reviewed_at is not None
    photo_id, decision = photo.pk, photo.reviewed_at.isoformat()
    transaction.on_commit(lambda: task.enqueue(photo_id, template, decision))


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
    _notify_decision(photo, "photo_delivered")
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
    _notify_decision(photo, "photo_rejected")
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


# Kept in English on the photo; ``Photo.localized_failure_message`` reads them in the reader's words.
UNDELIVERABLE_MOVED = gettext_noop("They are no longer at that facility.")
UNDELIVERABLE_ENDED = gettext_noop("The connection was ended before the photo was reviewed.")


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
        transaction.on_commit(lambda: delete_file(original))
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
