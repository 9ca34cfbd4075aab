"""Photo operations: send, process, review, deliver. Each runs in one transaction and is audited.

State changes lock the photo row, re-check the state and refuse (``PhotoStateError``) if the photo has
moved on, so two reviewers clicking at once, or a retried request, can never refund twice.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from kinframe.audit.services import audit_log
from kinframe.credits.services import credits_refund_photo
from kinframe.facilities.models import RejectionReason

from .models import Photo, PhotoView


class PhotoStateError(Exception):
    """The photo is no longer in a state that allows this; nothing was changed."""

    def __init__(self, photo: Photo, action: str):
        self.photo = photo
        self.action = action
        super().__init__(f"This photo is {photo.get_status_display()} and cannot be {action}.")


def _locked(photo: Photo | int) -> Photo:
    pk = photo.pk if isinstance(photo, Photo) else photo
    return Photo.objects.select_for_update().get(pk=pk)


def _notify_sender(photo_id: int, template: str) -> None:
    from .tasks import notify_sender_of_photo

    transaction.on_commit(lambda: notify_sender_of_photo.enqueue(photo_id, template))


@transaction.atomic
def photo_approve(*, photo: Photo | int, reviewer) -> Photo:
    """Deliver the photo to its recipient."""
    photo = _locked(photo)
    if photo.status != Photo.Status.PENDING_REVIEW:
        raise PhotoStateError(photo, "approved")
    photo.status = Photo.Status.APPROVED
    photo.reviewed_by = reviewer
    photo.reviewed_at = timezone.now()
    photo.save(update_fields=["status", "reviewed_by", "reviewed_at"])
    audit_log("photo.approved", actor=reviewer, actor_kind="staff", target=photo)
    return photo


@transaction.atomic
def photo_reject(*, photo: Photo | int, reviewer, reason: RejectionReason) -> Photo:
    """Refuse the photo with one of its facility's reasons and give the credits back at once."""
    photo = _locked(photo)
    if photo.status != Photo.Status.PENDING_REVIEW:
        raise PhotoStateError(photo, "rejected")
    if reason.facility_id != photo.facility_id or not reason.is_active:
        raise ValueError("That reason is not one of this facility's reasons.")
    photo.status = Photo.Status.REJECTED
    photo.reviewed_by = reviewer
    photo.reviewed_at = timezone.now()
    photo.rejection_reason = reason
    photo.save(update_fields=["status", "reviewed_by", "reviewed_at", "rejection_reason"])
    credits_refund_photo(photo=photo, actor=reviewer, actor_kind="staff")
    audit_log(
        "photo.rejected",
        actor=reviewer,
        actor_kind="staff",
        target=photo,
        data={"reason": reason.code},
    )
    _notify_sender(photo.pk, "photo_rejected")
    return photo


@transaction.atomic
def photo_withdraw(*, photo: Photo | int, sender) -> Photo:
    """The sender takes back a photo that nobody has reviewed yet, and gets the credits back."""
    photo = _locked(photo)
    if photo.sender_id != sender.pk:
        raise PermissionError("Only the sender can withdraw a photo.")
    if photo.status != Photo.Status.PENDING_REVIEW:
        raise PhotoStateError(photo, "withdrawn")
    photo.status = Photo.Status.WITHDRAWN
    photo.save(update_fields=["status"])
    credits_refund_photo(photo=photo, actor=sender)
    audit_log("photo.withdrawn", actor=sender, target=photo)
    return photo


@transaction.atomic
def photo_mark_undeliverable(
    *, photo: Photo | int, actor=None, actor_kind: str | None = None
) -> Photo:
    """The recipient was released or moved before review: refund, and tell the sender."""
    photo = _locked(photo)
    if photo.status not in (Photo.Status.RECEIVED, Photo.Status.PENDING_REVIEW):
        raise PhotoStateError(photo, "marked undeliverable")
    photo.status = Photo.Status.UNDELIVERABLE
    photo.save(update_fields=["status"])
    credits_refund_photo(photo=photo, actor=actor, actor_kind=actor_kind)
    audit_log("photo.undeliverable", actor=actor, actor_kind=actor_kind, target=photo)
    _notify_sender(photo.pk, "photo_undeliverable")
    return photo


@transaction.atomic
def photo_record_view(
    *, photo: Photo, viewer_inmate=None, viewer_user=None, variant: str = "display"
) -> PhotoView:
    """Record one opening of a photo by its recipient (``viewer_inmate``) or a staff member."""
    from kinframe.audit.context import current_origin

    origin = current_origin.get()
    view = PhotoView.objects.create(
        photo=photo,
        viewer_kind=PhotoView.ViewerKind.INMATE if viewer_inmate else PhotoView.ViewerKind.STAFF,
        viewer_inmate=viewer_inmate,
        viewer_user=viewer_user,
        variant=variant,
        ip_address=origin.ip_address,
        user_agent=origin.user_agent,
    )
    audit_log(
        "photo.viewed",
        actor=viewer_inmate or viewer_user,
        actor_kind=None if viewer_inmate else "staff",
        target=photo,
        data={"variant": variant},
    )
    return view
