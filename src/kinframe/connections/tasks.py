"""Background work for connections: telling the sender what the person they asked decided."""

from __future__ import annotations

from django_tasks import task

from kinframe.notify.services import send_email

from .models import Connection

SUBJECTS = {
    "connection_approved": "{name} accepted your connection request",
    "connection_declined": "{name} declined your connection request",
}


@task(queue_name="email")
def notify_sender_of_connection(connection_id: int, template: str) -> None:
    """Email the sender the inmate's answer (sent after the decision is committed)."""
    connection = Connection.objects.select_related("sender", "inmate__facility").get(
        pk=connection_id
    )
    if not connection.sender.email:
        return
    send_email(
        to=connection.sender.email,
        subject=SUBJECTS[template].format(name=connection.inmate.full_name),
        template=template,
        context={"connection": connection, "user": connection.sender},
    )
