"""Reads about blocks, suspensions and watch lists, shared by the send, connect and search checks
and by the console.

The refusals here are the words a sender reads *before* paying. They say that a send cannot happen
and, when known, until when; they never carry the reason staff wrote.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import NamedTuple

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, pgettext

from kinframe.facilities.models import Facility, Inmate

from .models import Block, Suspension, WatchlistEntry, WatchlistMatch


def _until(moment: datetime | None, facility: Facility) -> str:
    if moment is None:
        return ""
    local = timezone.localtime(moment, timezone=_zone(facility))
    # Translators: a date format (Django's "date" filter letters) for "until <date>".
    day = date_format(local.date(), pgettext("until date", "F j, Y"))
    return gettext(" until %(day)s") % {"day": day}


def _zone(facility: Facility):
    import zoneinfo

    return zoneinfo.ZoneInfo(facility.time_zone)


def _blocks_reaching(*, sender, inmate: Inmate) -> QuerySet[Block]:
    """Blocks in force that keep ``sender`` from ``inmate`` where they are held now."""
    return Block.objects.in_force().filter(
        Q(scope=Block.Scope.PERSON, inmate=inmate)
        | Q(scope=Block.Scope.FACILITY, facility_id=inmate.facility_id)
        | Q(scope=Block.Scope.AGENCY, agency_id=inmate.agency_id),
        sender=sender,
    )


def block_refusal(*, sender, inmate: Inmate) -> str | None:
    """Why ``sender`` may not contact ``inmate`` (a block), in words for the sender; else None."""
    block = _blocks_reaching(sender=sender, inmate=inmate).order_by("-ends_at").first()
    if block is None:
        return None
    # The longest block decides the date; a block without an end outlasts any other.
    if _blocks_reaching(sender=sender, inmate=inmate).filter(ends_at__isnull=True).exists():
        block.ends_at = None
    return gettext(
        "You cannot contact %(name)s through Kinframe%(until)s. "
        "The facility has restricted your account; nothing has been charged."
    ) % {"name": inmate.full_name, "until": _until(block.ends_at, inmate.facility)}


def suspension_refusal(*, inmate: Inmate) -> str | None:
    """Why nobody may send ``inmate`` photos right now (a suspension), for the sender; else None."""
    suspension = Suspension.objects.in_force().filter(inmate=inmate).order_by("-ends_at").first()
    if suspension is None:
        return None
    return gettext("%(name)s cannot receive photos%(until)s. Nothing has been charged.") % {
        "name": inmate.full_name,
        "until": _until(suspension.ends_at, inmate.facility),
    }


def send_refusal(*, sender, inmate: Inmate) -> str | None:
    """Why ``sender`` may not send ``inmate`` a photo now (a block or a suspension), or None."""
    return block_refusal(sender=sender, inmate=inmate) or suspension_refusal(inmate=inmate)


class Refusal(NamedTuple):
    message: str
    blocked: bool  # a block (no contact at all) rather than a suspension (no photos for now)


def send_refusals(*, sender, inmates: Iterable[Inmate]) -> dict[int, Refusal]:
    """What stops ``sender`` reaching each of a page of people (search results), in two queries
    whatever their number. People with nothing in the way are left out."""
    people = list(inmates)
    if not people:
        return {}
    blocks = list(
        Block.objects.in_force()
        .filter(sender=sender)
        .filter(
            Q(scope=Block.Scope.PERSON, inmate__in=people)
            | Q(scope=Block.Scope.FACILITY, facility_id__in={p.facility_id for p in people})
            | Q(scope=Block.Scope.AGENCY, agency_id__in={p.agency_id for p in people})
        )
    )
    suspended = set(
        Suspension.objects.in_force().filter(inmate__in=people).values_list("inmate_id", flat=True)
    )
    refusals = {}
    for person in people:
        if any(
            (b.scope == Block.Scope.PERSON and b.inmate_id == person.pk)
            or (b.scope == Block.Scope.FACILITY and b.facility_id == person.facility_id)
            or (b.scope == Block.Scope.AGENCY and b.agency_id == person.agency_id)
            for b in blocks
        ):
            refusals[person.pk] = Refusal(
                "The facility has restricted your account: you cannot contact them.", True
            )
        elif person.pk in suspended:
            refusals[person.pk] = Refusal("They cannot receive photos at the moment.", False)
    return refusals


# --- The console ------------------------------------------------------------------------------------


def blocks_for_facility(*, facility: Facility) -> QuerySet[Block]:
    """The facility's own blocks and its agency's no-contact orders, newest first."""
    return (
        Block.objects.filter(
            Q(facility=facility) | Q(scope=Block.Scope.AGENCY, agency_id=facility.agency_id)
        )
        .select_related("sender", "inmate", "facility", "created_by", "ended_by")
        .order_by("-created_at", "-id")
    )


def suspensions_for_facility(*, facility: Facility) -> QuerySet[Suspension]:
    return (
        Suspension.objects.filter(facility=facility)
        .select_related("inmate", "created_by", "ended_by")
        .order_by("-created_at", "-id")
    )


def watchlist_for_facility(*, facility: Facility) -> QuerySet[WatchlistEntry]:
    """The watch list of the facility's agency (shared by its facilities), current entries first."""
    return (
        WatchlistEntry.objects.filter(agency_id=facility.agency_id)
        .select_related("inmate", "facility", "created_by")
        .order_by("removed_at", "-created_at", "-id")
    )


def watchlist_matches_for_photo(*, photo) -> list[WatchlistMatch]:
    return list(
        WatchlistMatch.objects.filter(photo=photo).select_related("entry__inmate").order_by("id")
    )


def normalise_name(name: str) -> str:
    """Names are compared without case or repeated spaces ("john  SMITH" is "john smith")."""
    return " ".join(name.split()).lower()


def watchlist_entries_matching(*, sender, inmate: Inmate) -> list[tuple[WatchlistEntry, str]]:
    """Current entries of ``inmate``'s agency matching the sender or the person, with what matched."""
    name = normalise_name(f"{sender.first_name} {sender.last_name}")
    email = (sender.email or "").strip().lower()
    phone = getattr(sender, "phone", "") or ""
    match = Q(inmate=inmate)
    if email:
        match |= Q(email__iexact=email)
    if phone:
        match |= Q(phone=phone)
    if name:
        match |= Q(name=name)  # entries store the normalised name
    entries = WatchlistEntry.objects.filter(
        match, agency_id=inmate.agency_id, removed_at__isnull=True
    ).order_by("id")
    matched = []
    for entry in entries:
        if entry.inmate_id == inmate.pk:
            matched.append((entry, "person"))
        elif email and entry.email.lower() == email:
            matched.append((entry, "email"))
        elif phone and entry.phone == phone:
            matched.append((entry, "phone"))
        else:
            matched.append((entry, "name"))
    return matched
