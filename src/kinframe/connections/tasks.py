"""Background work for connections: telling the sender what the person they asked decided."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django_tasks import task

from kinframe.notify.notices import Notice, notice_send_or_retry

from .models import Connection

#: Lazy: each is translated when the notice is sent, in the sender's language.
SUBJECTS = {
    "connection_approved": _("%(name)s accepted your connection request"),
    "connection_declined": _("%(name)s declined your connection request"),
}


@task(queue_name="email")
def notify_sender_of_connection(
    connection_id: int, template: str, attempt: int = 1, already_sent: list[str] | None = None
) -> None:
    """Tell the sender the person's answer (queued after the decision is committed)."""
    connection = Connection.objects.select_related("sender", "inmate__facility").get(
        pk=connection_id
    )
    notice_send_or_retry(
        task=notify_sender_of_connection,
        task_args=(connection_id, template),
        attempt=attempt,
        already_sent=already_sent or [],
        user=connection.sender,
        notice=Notice(template),
        subject=SUBJECTS[template],
        subject_params={"name": connection.inmate.full_name},
        context={"connection": connection},
    )
