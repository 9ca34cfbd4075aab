"""Connection operations: a sender asks, the inmate (or staff on their behalf) answers, either side ends.

Each runs in one transaction, locks the row it changes, re-checks the state under the lock and refuses
with ``ConnectionNotAllowed`` (a ``ValueError`` whose message is fit to show the person) when the
connection has moved on, so a double tap on the kiosk or a retried request changes nothing twice.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format

from kinframe.audit.services import audit_log
from kinframe.facilities.models import Inmate
from kinframe.photos.services import UNDELIVERABLE_ENDED, photos_undeliverable_for_inmate

from .models import Connection

# After a decline the sender waits this long before asking the same person again, so a person who
# said no is not asked over and over.
DECLINE_COOL_OFF = timedelta(days=30)


def _relationship_max_length() -> int:
    """The model's bound on ``relationship``, read once so forms and checks can't drift from it."""
    max_length = Connection._meta.get_field("relationship").max_length
    assert max_length is not None, "Connection.relationship must be a bounded CharField"
    return max_length


RELATIONSHIP_MAX_LENGTH = _relationship_max_length()


class ConnectionNotAllowed(ValueError):
    """The connection cannot be requested or changed; ``str(exc)`` says why, for the person asking."""


def _notify_sender(connection_id: int, template: str) -> None:
    from .tasks import notify_sender_of_connection

    transaction.on_commit(lambda: notify_sender_of_connection.enqueue(connection_id, template))


def _locked(connection: Connection | int) -> Connection:
    pk = connection.pk if isinstance(connection, Connection) else connection
    return (
        Connection.objects.select_for_update(of=("self",))
        .select_related("inmate__facility", "sender")
        .get(pk=pk)
    )


def _actor_kind(actor: Any) -> str | None:
    """Someone other than the inmate acting on their behalf is staff (the console checks who)."""
    return None if actor is None or isinstance(actor, Inmate) else "staff"


@transaction.atomic
def connection_request(*, sender, inmate: Inmate | int, relationship: str = "") -> Connection:
    """Ask to send photos to ``inmate``. The new connection waits in ``requested`` for their answer."""
    pk = inmate.pk if isinstance(inmate, Inmate) else inmate
    # Locking the person serialises two requests for them and any release arriving at the same time.
    person = Inmate.objects.select_for_update(of=("self",)).select_related("facility").get(pk=pk)
    relationship = (relationship or "").strip()
    if len(relationship) > RELATIONSHIP_MAX_LENGTH:
        raise ConnectionNotAllowed(
            f"Keep the relationship short (at most {RELATIONSHIP_MAX_LENGTH} characters)."
        )
    if person.status != Inmate.Status.ACTIVE:
        raise ConnectionNotAllowed(
            f"{person.full_name} is no longer held at {person.facility.name}, "
            "so they cannot receive photos through Kinframe."
        )
    if not person.facility.photos_enabled:
        raise ConnectionNotAllowed(f"{person.facility.name} does not accept photos at the moment.")

    previous = list(Connection.objects.filter(sender=sender, inmate=person).order_by("-created_at"))
    for earlier in previous:
        if earlier.status == Connection.Status.BLOCKED:
            raise ConnectionNotAllowed(f"You cannot send a request to {person.full_name}.")
        if earlier.status == Connection.Status.APPROVED:
            raise ConnectionNotAllowed(f"You are already connected to {person.full_name}.")
        if earlier.status == Connection.Status.REQUESTED:
            raise ConnectionNotAllowed(
                f"You have already asked {person.full_name}; they have not answered yet."
            )
    last_declined_at = next(
        (c.decided_at for c in previous if c.status == Connection.Status.DECLINED and c.decided_at),
        None,
    )
    if last_declined_at and last_declined_at > timezone.now() - DECLINE_COOL_OFF:
        again = timezone.localdate(last_declined_at + DECLINE_COOL_OFF)
        raise ConnectionNotAllowed(
            f"{person.full_name} declined your request. "
            f"You can ask again from {date_format(again, 'F j, Y')}."
        )

    try:
        with transaction.atomic():  # the open-pair constraint backs up the checks above
            connection = Connection.objects.create(
                sender=sender, inmate=person, agency_id=person.agency_id, relationship=relationship
            )
    except IntegrityError as exc:
        raise ConnectionNotAllowed(
            f"You have already asked {person.full_name}; they have not answered yet."
        ) from exc
    audit_log(
        "connection.requested",
        actor=sender,
        target=connection,
        facility=person.facility,
        data={"inmate": person.number, "relationship": relationship},
    )
    return connection


def _decide(
    connection: Connection | int, *, inmate: Inmate, actor: Any, status: str, verb: str
) -> Connection:
    connection = _locked(connection)
    if connection.inmate_id != inmate.pk:
        raise ConnectionNotAllowed("This request is not addressed to you.")
    if connection.status != Connection.Status.REQUESTED:
        raise ConnectionNotAllowed(
            f"This request was already answered ({connection.get_status_display().lower()})."
        )
    if status == Connection.Status.APPROVED and connection.inmate.status != Inmate.Status.ACTIVE:
        raise ConnectionNotAllowed(f"{connection.inmate.full_name} is no longer held here.")
    connection.status = status
    connection.decided_at = timezone.now()
    connection.save(update_fields=["status", "decided_at"])
    audit_log(
        f"connection.{verb}",
        actor=actor or connection.inmate,
        actor_kind=_actor_kind(actor),
        target=connection,
        facility=connection.inmate.facility,
        data={"sender": connection.sender.get_username(), "inmate": connection.inmate.number},
    )
    _notify_sender(connection.pk, f"connection_{verb}")
    return connection


@transaction.atomic
def connection_approve(
    *, connection: Connection | int, inmate: Inmate, actor: Any = None
) -> Connection:
    """``inmate`` accepts photos from the sender. ``actor`` is a staff user acting for them, if any."""
    return _decide(
        connection, inmate=inmate, actor=actor, status=Connection.Status.APPROVED, verb="approved"
    )


@transaction.atomic
def connection_decline(
    *, connection: Connection | int, inmate: Inmate, actor: Any = None
) -> Connection:
    """``inmate`` says no. The sender is told, and waits ``DECLINE_COOL_OFF`` before asking again."""
    return _decide(
        connection, inmate=inmate, actor=actor, status=Connection.Status.DECLINED, verb="declined"
    )


@transaction.atomic
def connection_end(
    *,
    connection: Connection | int,
    sender=None,
    inmate: Inmate | None = None,
    actor: Any = None,
) -> Connection:
    """End an open connection (or withdraw a request) for the sender or the inmate named.

    Exactly one of ``sender`` and ``inmate`` says whose side ends it; ``actor`` is a staff user acting
    for them, if any. No new photos can be sent over an ended connection; the sender may ask again.
    """
    if (sender is None) == (inmate is None):
        raise TypeError("Pass exactly one of sender= or inmate=.")
    connection = _locked(connection)
    if (sender is not None and connection.sender_id != sender.pk) or (
        inmate is not None and connection.inmate_id != inmate.pk
    ):
        raise ConnectionNotAllowed("This connection is not yours.")
    if connection.status not in Connection.OPEN_STATUSES:
        raise ConnectionNotAllowed(
            f"This connection is already {connection.get_status_display().lower()}."
        )
    was = connection.status
    connection.status = Connection.Status.ENDED
    connection.save(update_fields=["status"])
    # Photos still waiting for review were sent to someone who no longer takes them: refund them.
    stopped = photos_undeliverable_for_inmate(
        inmate=connection.inmate,
        connection=connection,
        actor=actor or sender or inmate,
        actor_kind=_actor_kind(actor) if actor else None,
        why=UNDELIVERABLE_ENDED,
    )
    audit_log(
        "connection.ended",
        actor=actor or sender or inmate,
        actor_kind=_actor_kind(actor) if actor else None,
        target=connection,
        facility=connection.inmate.facility,
        data={
            "was": was,
            "by": "sender" if sender is not None else "inmate",
            "photos_undeliverable": stopped,
        },
    )
    return connection
