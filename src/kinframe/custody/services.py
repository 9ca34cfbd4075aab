"""Changes in a person's custody, and in their connections, that reach photos on their way.

Booking, moving, releasing and readmitting a person, and ending a connection, each stop photos
that can no longer be delivered and refund them, in the same transaction as the change. They sit
above ``facilities``, ``connections`` and ``photos`` (which they call) so that none of those three
needs to import another upwards: the dependency arrows are drawn in docs/architecture.md and
checked by ``tests/test_architecture.py``.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from kinframe.audit.actors import Actor
from kinframe.audit.services import audit_log
from kinframe.connections.models import Connection
from kinframe.connections.services import ConnectionNotAllowed, acts_for_inmate
from kinframe.facilities.models import Facility, Inmate
from kinframe.facilities.services import FacilitySettingsError
from kinframe.notify import events
from kinframe.photos.services import UNDELIVERABLE_ENDED, photos_undeliverable_for_inmate


def _locked_connection(connection: Connection | int) -> Connection:
    pk = connection.pk if isinstance(connection, Connection) else connection
    return (
        Connection.objects.select_for_update(of=("self",))
        .select_related("inmate__facility", "sender")
        .get(pk=pk)
    )


@transaction.atomic
def inmate_release(*, inmate: Inmate, actor: Actor, audit_data: dict | None = None) -> Inmate:
    """The person has left custody: they can no longer be found, sign in, or receive photos.

    Photos still on their way become undeliverable and are refunded, in the same transaction.
    """
    inmate = Inmate.objects.select_for_update().get(pk=inmate.pk)
    if inmate.status == Inmate.Status.RELEASED:
        return inmate
    inmate.status = Inmate.Status.RELEASED
    inmate.save(update_fields=["status", "updated_at"])
    refunded = photos_undeliverable_for_inmate(inmate=inmate, actor=actor)
    audit_log(
        "inmate.released",
        actor=actor,
        target=inmate,
        facility=inmate.facility,
        data={**(audit_data or {}), "photos_undeliverable": refunded},
    )
    events.publish_on_commit(events.INMATE_RELEASED, inmate_id=inmate.pk)
    return inmate


@transaction.atomic
def inmate_transfer(
    *,
    inmate: Inmate,
    facility: Facility,
    actor: Actor,
    audit_data: dict | None = None,
) -> Inmate:
    """Move the person to another facility of the same agency (the inmate number stays theirs).

    Photos sent to the facility they left were reviewed under its rules, so the ones not yet
    delivered become undeliverable and are refunded; the sender may send again.
    """
    inmate = Inmate.objects.select_for_update().get(pk=inmate.pk)
    if facility.agency_id != inmate.agency_id:
        raise FacilitySettingsError(
            _("A person can only be moved between one agency's facilities.")
        )
    previous = inmate.facility
    if previous.pk == facility.pk:
        return inmate
    inmate.facility = facility
    inmate.save(update_fields=["facility", "updated_at"])
    refunded = photos_undeliverable_for_inmate(inmate=inmate, actor=actor, facility=previous)
    audit_log(
        "inmate.transferred",
        actor=actor,
        target=inmate,
        facility=previous,
        data={
            **(audit_data or {}),
            "from": previous.code,
            "to": facility.code,
            "photos_undeliverable": refunded,
        },
    )
    return inmate


@transaction.atomic
def inmate_readmit(*, inmate: Inmate, actor: Actor, audit_data: dict | None = None) -> Inmate:
    """A released person is booked again under the same number; their connections still stand."""
    inmate = Inmate.objects.select_for_update().get(pk=inmate.pk)
    if inmate.status == Inmate.Status.ACTIVE:
        return inmate
    inmate.status = Inmate.Status.ACTIVE
    inmate.save(update_fields=["status", "updated_at"])
    audit_log(
        "inmate.readmitted",
        actor=actor,
        target=inmate,
        facility=inmate.facility,
        data=audit_data or {},
    )
    return inmate


@transaction.atomic
def inmate_book(
    *,
    agency,
    facility: Facility,
    number: str,
    first_name: str,
    last_name: str,
    actor: Actor,
    audit_data: dict | None = None,
) -> tuple[Inmate, bool]:
    """The agency's roster says this person is held at ``facility`` under ``number``: make it so.

    Books a new person (returns ``(inmate, True)``) or brings the existing record in line
    (``(inmate, False)``): corrects the names, moves them through ``inmate_transfer`` (which
    refunds photos addressed to the facility they left) and readmits them through
    ``inmate_readmit`` if they had been released. A roster feed sends the same line again and
    again, so an unchanged person writes nothing. ``audit_data`` is added to the audit event, e.g.
    which API client asked. A booking that races another booking of the same number becomes an
    update instead of failing.
    """
    number, first_name, last_name = number.strip(), first_name.strip(), last_name.strip()
    if facility.agency_id != agency.pk:
        raise FacilitySettingsError(_("That facility belongs to another agency."))
    if not number or not first_name or not last_name:
        raise FacilitySettingsError(_("A booking needs an inmate number, a first and a last name."))
    if len(number) > 32 or len(first_name) > 100 or len(last_name) > 100:
        raise FacilitySettingsError(
            _("Keep the inmate number under 32 and each name under 100 characters.")
        )
    extra = dict(audit_data or {})
    inmate = Inmate.objects.select_for_update().filter(agency=agency, number=number).first()
    if inmate is None:
        try:
            with transaction.atomic():
                inmate = Inmate.objects.create(
                    agency=agency,
                    facility=facility,
                    number=number,
                    first_name=first_name,
                    last_name=last_name,
                )
        except IntegrityError:  # booked by a concurrent request a moment ago
            inmate = Inmate.objects.select_for_update().get(agency=agency, number=number)
        else:
            audit_log(
                "inmate.booked",
                actor=actor,
                target=inmate,
                facility=facility,
                data={**extra, "number": number, "facility": facility.code},
            )
            return inmate, True

    changes: dict = {}
    for field, value in (("first_name", first_name), ("last_name", last_name)):
        if getattr(inmate, field) != value:
            changes[field] = [getattr(inmate, field), value]
            setattr(inmate, field, value)
    if changes:
        inmate.save(update_fields=[*changes, "updated_at"])
    if inmate.facility_id != facility.pk:
        changes["facility"] = [inmate.facility.code, facility.code]
        inmate = inmate_transfer(inmate=inmate, facility=facility, actor=actor, audit_data=extra)
    if inmate.status != Inmate.Status.ACTIVE:
        changes["status"] = [inmate.status, Inmate.Status.ACTIVE.value]
        inmate = inmate_readmit(inmate=inmate, actor=actor, audit_data=extra)
    if changes:
        audit_log(
            "inmate.rebooked",
            actor=actor,
            target=inmate,
            facility=facility,
            data={**extra, **changes},
        )
    return inmate, False


def _close_connection(
    connection: Connection, *, actor: Actor, status: str, action: str, data: dict
) -> Connection:
    """Move an open connection to ``status`` (locked by the caller), refund the photos still
    waiting for review over it, and audit ``action``."""
    if connection.status not in Connection.OPEN_STATUSES:
        raise ConnectionNotAllowed(
            _("This connection is already %(status)s.")
            % {"status": connection.get_status_display().lower()}
        )
    was = connection.status
    connection.status = status
    connection.save(update_fields=["status"])
    # Photos still waiting for review were sent to someone who no longer takes them: refund them.
    stopped = photos_undeliverable_for_inmate(
        inmate=connection.inmate, connection=connection, actor=actor, why=UNDELIVERABLE_ENDED
    )
    audit_log(
        action,
        actor=actor,
        target=connection,
        facility=connection.inmate.facility,
        data={"was": was, **data, "photos_undeliverable": stopped},
    )
    return connection


@transaction.atomic
def connection_end(*, connection: Connection | int, actor: Actor) -> Connection:
    """End an open connection (or withdraw a request) as its sender, its recipient, or staff.

    No new photos can be sent over an ended connection, and photos still waiting for review are
    refunded; the sender may ask again.
    """
    connection = _locked_connection(connection)
    by_sender = actor.user is not None and connection.sender_id == actor.user.pk
    if not (by_sender or acts_for_inmate(actor, connection.inmate)):
        raise ConnectionNotAllowed(_("This connection is not yours."))
    return _close_connection(
        connection,
        actor=actor,
        status=Connection.Status.ENDED,
        action="connection.ended",
        data={"by": "sender" if by_sender else "inmate"},
    )


@transaction.atomic
def connection_block(*, connection: Connection | int, actor: Actor) -> Connection:
    """The person (or staff acting for them) blocks this sender: they can never ask them again.

    Works on a request or an approved connection. Like ``connection_end``, photos still waiting
    for review are refunded; unlike it, ``connection_request`` refuses this sender for this person
    from now on. A sender cannot block; blocking twice changes nothing the second time.
    """
    connection = _locked_connection(connection)
    if not acts_for_inmate(actor, connection.inmate):
        raise ConnectionNotAllowed(_("This connection is not yours."))
    if connection.status == Connection.Status.BLOCKED:
        return connection
    return _close_connection(
        connection,
        actor=actor,
        status=Connection.Status.BLOCKED,
        action="connection.blocked",
        data={"by": str(actor.kind), "sender": connection.sender.get_username()},
    )
