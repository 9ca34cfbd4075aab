"""Background work for photos."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django_tasks import task

from kinframe.db import close_broken_connections
from kinframe.notify.notices import Notice, notice_send_or_retry

from .models import Photo

#: Lazy: each is translated when the notice is sent, in the sender's language.
SUBJECTS = {
    "photo_delivered": _("Your photo was delivered"),
    "photo_rejected": _("Your photo was not accepted; your credits are back"),
    "photo_undeliverable": _("Your photo could not be delivered; your credits are back"),
    "photo_failed": _("We could not process your photo; your credits are back"),
}
#: The status a photo must still have for a decision's notice to go out (see below).
DECIDED_STATUS = {
    "photo_delivered": Photo.Status.APPROVED,
    "photo_rejected": Photo.Status.REJECTED,
}


@task(queue_name="photos")
def process_photo(photo_id: int) -> None:
    """Clean and shrink a received photo so staff can review it (see ``photo_process``).

    An unexpected error is re-raised so the backend records the task as failed; ``photo_process``
    has already scheduled the retry (or, on the last attempt, failed and refunded the photo).
    """
    from .processing import photo_process

    # A worker runs tasks in one long-lived process: a connection the database dropped since the
    # last task is replaced here rather than failing this photo.
    close_broken_connections()
    photo_process(photo_id=photo_id)


@task(queue_name="email")
def notify_sender_of_photo(
    photo_id: int,
    template: str,
    decision: str = "",
    attempt: int = 1,
    already_sent: list[str] | None = None,
) -> None:
    """Tell the sender what happened to their photo, by the channels they chose.

    A decision's notice carries the ``decision`` (when it was made) and runs a little later: if
    the reviewer undid it meanwhile, the photo no longer shows that decision and nothing is sent.
    """
    photo = Photo.objects.select_related("sender", "inmate__facility", "rejection_reason").get(
        pk=photo_id
    )
    if decision and (
        photo.reviewed_at is None
        or photo.reviewed_at.isoformat() != decision
        or photo.status != DECIDED_STATUS.get(template, photo.status)
    ):
        return
    notice_send_or_retry(
        task=notify_sender_of_photo,
        task_args=(photo_id, template, decision),
        attempt=attempt,
        already_sent=already_sent or [],
        user=photo.sender,
        notice=Notice(template),
        subject=SUBJECTS[template],
        context={"photo": photo},
    )
