"""Background work for photos."""

from __future__ import annotations

from django_tasks import task

from kinframe.notify.services import send_email

from .models import Photo

SUBJECTS = {
    "photo_rejected": "Your photo was not accepted; your credits are back",
    "photo_undeliverable": "Your photo could not be delivered; your credits are back",
    "photo_failed": "We could not process your photo; your credits are back",
}


@task(queue_name="photos")
def process_photo(photo_id: int) -> None:
    """Clean and shrink a received photo so staff can review it (see ``photo_process``).

    An unexpected error is re-raised so the backend records the task as failed; ``photo_process``
    has already queued the retry (or, on the last attempt, failed and refunded the photo).
    """
    from .services import photo_process

    photo_process(photo_id=photo_id)


@task(queue_name="email")
def notify_sender_of_photo(photo_id: int, template: str, decision: str = "") -> None:
    """Email the sender about what happened to their photo.

    A rejection notice carries its ``decision`` (when the photo was rejected) and runs a little
    later: if the reviewer undid that rejection meanwhile, the photo is no longer that decision and
    nothing is sent.
    """
    photo = Photo.objects.select_related("sender", "inmate", "rejection_reason").get(pk=photo_id)
    if decision and (
        photo.status != Photo.Status.REJECTED
        or photo.reviewed_at is None
        or photo.reviewed_at.isoformat() != decision
    ):
        return
    if not photo.sender.email:
        return
    send_email(
        to=photo.sender.email,
        subject=SUBJECTS[template],
        template=template,
        context={"photo": photo, "user": photo.sender},
    )
