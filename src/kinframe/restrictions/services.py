"""Blocks, suspensions and watch-list entries: what a facility admin sets and ends.

Each runs in one transaction, audits, and leaves nothing half-done. A block or a suspension
refunds the photos already waiting that it stops, each exactly once (``photo_mark_undeliverable``
refuses a photo that has already ended, and the refund's ledger reference is unique). Before it
looks for those photos a block locks the sender's connections it reaches, and a suspension the
person: the rows a send locks first. So a send racing a block either commits first and its
photos are refunded here, or waits and is then refused before any credit moves.

This module sits above ``custody`` (it may call ``custody.services.connection_block`` where that
exists); the selectors that the send and connect checks read sit below ``photos``.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kinframe.audit.actors import Actor
from kinframe.audit.services import audit_log
from kinframe.connections.models import Connection
from kinframe.facilities.models import Facility, Inmate
from kinframe.photos.models import Photo
from kinframe.photos.services import PhotoStateError, photo_mark_undeliverable

from .models import Block, Suspension, WatchlistEntry
from .selectors import normalise_name

#: What a sender is told about a waiting photo that a block or suspension stopped (no reasons).
UNDELIVERABLE_RESTRICTED = "The facility stopped photos to this person before review."

WAITING = (Photo.Status.RECEIVED, Photo.Status.PENDING_REVIEW)


class RestrictionError(ValueError):
    """The change cannot be made; ``str(exc)`` says why, for the staff member."""


def _require_admin(actor: Actor, facility: Facility) -> None:
    if not actor.is_admin_of(facility):
        raise PermissionError("Only the facility's admins can change restrictions.")


def _check_end(ends_at: datetime | None) -> None:
    if ends_at is not None and ends_at <= timezone.now():
        raise RestrictionError(_("The end date must be in the future."))


def _refund_waiting(photos, *, actor: Actor) -> int:
    count = 0
    for pk in photos.filter(status__in=WAITING).values_list("pk", flat=True):
        try:
            photo_mark_undeliverable(photo=pk, actor=actor, why=UNDELIVERABLE_RESTRICTED)
        except PhotoStateError:
            continue  # decided or withdrawn a moment ago
        count += 1
    return count


def _reach(scope: str, *, facility: Facility, inmate: Inmate | None) -> Q:
    """Which recipients a block of ``scope`` keeps the sender from (as a filter on ``inmate``)."""
    if scope == Block.Scope.PERSON:
        return Q(inmate=inmate)
    if scope == Block.Scope.FACILITY:
        return Q(inmate__facility=facility)
    return Q(inmate__agency_id=facility.agency_id)


def _lock_connections(sender, reach: Q) -> None:
    """Lock the sender's connections a block reaches: the rows a send locks first, so a send in
    progress commits before the block looks for waiting photos, and a later one sees the block."""
    list(
        Connection.objects.select_for_update(of=("self",))
        .filter(reach, sender=sender)
        .values_list("pk", flat=True)
    )


@transaction.atomic
def block_create(
    *,
    actor: Actor,
    facility: Facility,
    sender,
    scope: str,
    reason: str,
    inmate: Inmate | None = None,
    ends_at: datetime | None = None,
) -> Block:
    """Keep ``sender`` from one person, from ``facility``, or from every facility of its agency.

    Photos from the sender still waiting for review there are refunded. Searching, connecting and
    sending then tell the sender, before they pay, that they cannot.
    """
    _require_admin(actor, facility)
    reason = (reason or "").strip()
    if scope not in Block.Scope.values:
        raise RestrictionError(_("Choose whom the sender is blocked from."))
    if not reason:
        raise RestrictionError(_("Give a reason (only staff will see it)."))
    if sender is None or sender.is_superuser or sender.staff_memberships.exists():
        raise RestrictionError(_("That account is not a sender."))
    _check_end(ends_at)
    if scope == Block.Scope.PERSON:
        if inmate is None or inmate.facility_id != facility.pk:
            raise RestrictionError(_("Choose a person held at this facility."))
    else:
        inmate = None
    _lock_connections(sender, _reach(scope, facility=facility, inmate=inmate))
    block = Block.objects.create(
        agency_id=facility.agency_id,
        facility=facility,
        scope=scope,
        sender=sender,
        inmate=inmate,
        reason=reason,
        ends_at=ends_at,
        created_by=actor.user,
    )
    photos = Photo.objects.filter(sender=sender)
    if scope == Block.Scope.PERSON:
        photos = photos.filter(inmate=inmate)
    elif scope == Block.Scope.FACILITY:
        photos = photos.filter(facility=facility)
    else:
        photos = photos.filter(facility__agency_id=facility.agency_id)
    refunded = _refund_waiting(photos, actor=actor)
    audit_log(
        "block.created",
        actor=actor,
        target=block,
        facility=facility,
        data={
            "scope": scope,
            "sender": sender.get_username(),
            "inmate": inmate.number if inmate else None,
            "ends_at": ends_at.isoformat() if ends_at else None,
            "reason": reason,
            "photos_refunded": refunded,
        },
    )
    return block


def _end(model, pk: int, *, actor: Actor, action: str):
    """Lift a block or suspension early: admins of the facility that set it; twice is harmless."""
    locked = model.objects.select_for_update().select_related("facility").get(pk=pk)
    _require_admin(actor, locked.facility)
    if locked.ended_at is not None:
        return locked
    locked.ended_at = timezone.now()
    locked.ended_by = actor.user
    locked.save(update_fields=["ended_at", "ended_by"])
    audit_log(action, actor=actor, target=locked, facility=locked.facility)
    return locked


@transaction.atomic
def block_end(*, actor: Actor, block: Block | int) -> Block:
    """Lift a block before its end date (staff of the facility that set it)."""
    pk = block.pk if isinstance(block, Block) else block
    return _end(Block, pk, actor=actor, action="block.ended")


@transaction.atomic
def suspension_create(
    *, actor: Actor, inmate: Inmate, ends_at: datetime, reason: str
) -> Suspension:
    """Nobody may send ``inmate`` photos until ``ends_at``; photos waiting for them are refunded."""
    inmate = Inmate.objects.select_for_update().select_related("facility").get(pk=inmate.pk)
    _require_admin(actor, inmate.facility)
    reason = (reason or "").strip()
    if not reason:
        raise RestrictionError(_("Give a reason (only staff will see it)."))
    if ends_at is None:
        raise RestrictionError(_("Choose the date the suspension ends."))
    _check_end(ends_at)
    suspension = Suspension.objects.create(
        agency_id=inmate.agency_id,
        facility=inmate.facility,
        inmate=inmate,
        reason=reason,
        ends_at=ends_at,
        created_by=actor.user,
    )
    refunded = _refund_waiting(Photo.objects.filter(inmate=inmate), actor=actor)
    audit_log(
        "suspension.created",
        actor=actor,
        target=suspension,
        facility=inmate.facility,
        data={
            "inmate": inmate.number,
            "ends_at": ends_at.isoformat(),
            "reason": reason,
            "photos_refunded": refunded,
        },
    )
    return suspension


@transaction.atomic
def suspension_end(*, actor: Actor, suspension: Suspension | int) -> Suspension:
    """Lift a suspension before its date (staff of the person's facility when it was set)."""
    pk = suspension.pk if isinstance(suspension, Suspension) else suspension
    return _end(Suspension, pk, actor=actor, action="suspension.ended")


@transaction.atomic
def watchlist_entry_add(
    *,
    actor: Actor,
    facility: Facility,
    name: str = "",
    email: str = "",
    phone: str = "",
    inmate: Inmate | None = None,
    note: str = "",
) -> WatchlistEntry:
    """Add an entry to the watch list of ``facility``'s agency."""
    _require_admin(actor, facility)
    name, email, phone = normalise_name(name or ""), (email or "").strip(), (phone or "").strip()
    if inmate is not None and inmate.agency_id != facility.agency_id:
        raise RestrictionError(_("Choose a person held by this agency."))
    if not (name or email or phone or inmate):
        raise RestrictionError(_("Give a name, an email, a phone number or a person to watch for."))
    entry = WatchlistEntry.objects.create(
        agency_id=facility.agency_id,
        facility=facility,
        name=name,
        email=email,
        phone=phone,
        inmate=inmate,
        note=(note or "").strip(),
        created_by=actor.user,
    )
    audit_log(
        "watchlist.added",
        actor=actor,
        target=entry,
        facility=facility,
        data={"name": name, "email": email, "phone": phone, "inmate": inmate and inmate.number},
    )
    return entry


@transaction.atomic
def watchlist_entry_remove(
    *, actor: Actor, facility: Facility, entry: WatchlistEntry | int
) -> WatchlistEntry:
    """Take an entry off the list (kept, with the matches it made)."""
    pk = entry.pk if isinstance(entry, WatchlistEntry) else entry
    entry = WatchlistEntry.objects.select_for_update().get(pk=pk)
    _require_admin(actor, facility)
    if entry.agency_id != facility.agency_id:
        raise PermissionError("That entry belongs to another agency.")
    if entry.removed_at is not None:
        return entry
    entry.removed_at = timezone.now()
    entry.save(update_fields=["removed_at"])
    audit_log("watchlist.removed", actor=actor, target=entry, facility=facility)
    return entry
