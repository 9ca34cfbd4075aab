"""Connection operations: a sender asks, the inmate (or staff on their behalf) answers, either side ends.

Each runs in one transaction, locks the row it changes, re-checks the state under the lock and refuses
with ``ConnectionNotAllowed`` (a ``ValueError`` whose message is fit to show the person) when the
connection has moved on, so a double tap on the kiosk or a retried request changes nothing twice.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext

from kinframe.audit.actors import Actor
from kinframe.audit.services import audit_log
from kinframe.facilities.models import Inmate
from kinframe.notify import events
from kinframe.restrictions.selectors import block_refusal

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


def acts_for_inmate(actor: Actor, inmate: Inmate) -> bool:
    """The person themselves, staff of the facility that holds them, or an operator."""
    if actor.inmate is not None:
        return actor.inmate.pk == inmate.pk
    if actor.kind == Actor.Kind.OPERATOR:
        return True
    return actor.facility is not None and actor.facility.pk == inmate.facility_id


@transaction.atomic
def connection_request(*, actor: Actor, inmate: Inmate | int, relationship: str = "") -> Connection:
    """``actor`` (a sender) asks to send photos to ``inmate``; the connection waits for their answer."""
    sender = actor.user
    if sender is None:
        raise ConnectionNotAllowed(gettext("Sign in as a sender to ask for a connection."))
    pk = inmate.pk if isinstance(inmate, Inmate) else inmate
    # Locking the person serialises two requests for them and any release arriving at the same time.
    person = Inmate.objects.select_for_update(of=("self",)).select_related("facility").get(pk=pk)
    relationship = (relationship or "").strip()
    if len(relationship) > RELATIONSHIP_MAX_LENGTH:
        raise ConnectionNotAllowed(
            gettext("Keep the relationship short (at most %(count)d characters).")
            % {"count": RELATIONSHIP_MAX_LENGTH}
        )
    if person.status != Inmate.Status.ACTIVE:
        raise ConnectionNotAllowed(
            gettext(
                "%(name)s is no longer held at %(facility)s, "
                "so they cannot receive photos through Kinframe."
            )
            % {"name": person.full_name, "facility": person.facility.name}
        )
    if not person.facility.photos_enabled:
        raise ConnectionNotAllowed(
            gettext("%(facility)s does not accept photos at the moment.")
            % {"facility": person.facility.name}
        )

    if (refusal := block_refusal(sender=sender, inmate=person)) is not None:
        raise ConnectionNotAllowed(refusal)
    previous = list(Connection.objects.filter(sender=sender, inmate=person).order_by("-created_at"))
    for earlier in previous:
        if earlier.status == Connection.Status.BLOCKED:
            raise ConnectionNotAllowed(
                gettext("You cannot send a request to %(name)s.") % {"name": person.full_name}
            )
        if earlier.status == Connection.Status.APPROVED:
            raise ConnectionNotAllowed(
                gettext("You are already connected to %(name)s.") % {"name": person.full_name}
            )
        if earlier.status == Connection.Status.REQUESTED:
            raise ConnectionNotAllowed(
                gettext("You have already asked %(name)s; they have not answered yet.")
                % {"name": person.full_name}
            )
    last_declined_at = next(
        (c.decided_at for c in previous if c.status == Connection.Status.DECLINED and c.decided_at),
        None,
    )
    if last_declined_at and last_declined_at > timezone.now() - DECLINE_COOL_OFF:
        again = timezone.localdate(last_declined_at + DECLINE_COOL_OFF)
        raise ConnectionNotAllowed(
            gettext("%(name)s declined your request. You can ask again from %(date)s.")
            % {"name": person.full_name, "date": date_format(again, gettext("F j, Y"))}
        )

    try:
        with transaction.atomic():  # the open-pair constraint backs up the checks above
            connection = Connection.objects.create(
                sender=sender, inmate=person, agency_id=person.agency_id, relationship=relationship
            )
    except IntegrityError as exc:
        raise ConnectionNotAllowed(
            gettext("You have already asked %(name)s; they have not answered yet.")
            % {"name": person.full_name}
        ) from exc
    audit_log(
        "connection.requested",
        actor=actor,
        target=connection,
        facility=person.facility,
        data={"inmate": person.number, "relationship": relationship},
    )
    events.publish_on_commit(events.CONNECTION_REQUESTED, connection_id=connection.pk)
    return connection


def _decide(connection: Connection | int, *, actor: Actor, status: str, verb: str) -> Connection:
    connection = _locked(connection)
    if not acts_for_inmate(actor, connection.inmate):
        raise ConnectionNotAllowed(gettext("This request is not addressed to you."))
    if connection.status != Connection.Status.REQUESTED:
        raise ConnectionNotAllowed(
            gettext("This request was already answered (%(status)s).")
            % {"status": connection.get_status_display().lower()}
        )
    if status == Connection.Status.APPROVED and connection.inmate.status != Inmate.Status.ACTIVE:
        raise ConnectionNotAllowed(
            gettext("%(name)s is no longer held here.") % {"name": connection.inmate.full_name}
        )
    connection.status = status
    connection.decided_at = timezone.now()
    connection.save(update_fields=["status", "decided_at"])
    audit_log(
        f"connection.{verb}",
        actor=actor,
        target=connection,
        facility=connection.inmate.facility,
        data={"sender": connection.sender.get_username(), "inmate": connection.inmate.number},
    )
    _notify_sender(connection.pk, f"connection_{verb}")
    return connection


@transaction.atomic
def connection_approve(*, connection: Connection | int, actor: Actor) -> Connection:
    """The person accepts photos from the sender (``actor`` is them, or staff acting for them)."""
    return _decide(connection, actor=actor, status=Connection.Status.APPROVED, verb="approved")


@transaction.atomic
def connection_decline(*, connection: Connection | int, actor: Actor) -> Connection:
    """The person says no. The sender is told, and waits ``DECLINE_COOL_OFF`` before asking again."""
    return _decide(connection, actor=actor, status=Connection.Status.DECLINED, verb="declined")
