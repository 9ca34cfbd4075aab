"""Reads about connections shared by the sender site and the kiosk, each with its joins (no N+1)."""

from __future__ import annotations

from django.db.models import OuterRef, Q, QuerySet, Subquery

from kinframe.facilities.models import Facility, Inmate

from .models import Connection

SEARCH_LIMIT = 20
SEARCH_MIN_LENGTH = 2


def connections_for_sender(*, sender) -> QuerySet[Connection]:
    """The sender's connections, newest first, with the person and their facility."""
    return (
        Connection.objects.filter(sender=sender)
        .select_related("inmate__facility")
        .order_by("-created_at", "-id")
    )


def connection_for_sender(*, sender, connection_id: int) -> Connection | None:
    """One of the sender's own connections, or None (another sender's looks the same as none)."""
    return connections_for_sender(sender=sender).filter(pk=connection_id).first()


def pending_requests_for_inmate(*, inmate: Inmate) -> QuerySet[Connection]:
    """Requests waiting for ``inmate``'s answer, oldest first so nobody waits longest."""
    return (
        Connection.objects.filter(inmate=inmate, status=Connection.Status.REQUESTED)
        .select_related("sender")
        .order_by("created_at", "id")
    )


def searchable_facilities() -> QuerySet[Facility]:
    """Facilities a sender can pick when searching: only those accepting photos."""
    return Facility.objects.filter(photos_enabled=True).order_by("name")


def inmate_search(
    *, facility: Facility, query: str, sender=None, limit: int = SEARCH_LIMIT
) -> list[Inmate]:
    """People a sender may reach at ``facility`` whose name or exact inmate number matches.

    Never the whole roster: a query under ``SEARCH_MIN_LENGTH`` characters only matches an exact
    inmate number, and at most ``limit`` people come back. Each name word must begin a first or last
    name ("jo sm" finds John Smith). With ``sender`` each person carries ``connection_status``: the
    status of the sender's latest connection to them, or None.
    """
    query = " ".join(query.split())
    if not query:
        return []
    people = Inmate.objects.reachable().filter(facility=facility).select_related("facility")
    match = Q(number__iexact=query)
    if len(query) >= SEARCH_MIN_LENGTH:
        by_name = Q()
        for word in query.split(" "):
            by_name &= Q(first_name__istartswith=word) | Q(last_name__istartswith=word)
        match |= by_name
    people = people.filter(match)
    if sender is not None:
        latest = Connection.objects.filter(sender=sender, inmate=OuterRef("pk")).order_by(
            "-created_at", "-id"
        )
        people = people.annotate(
            connection_status=Subquery(latest.values("status")[:1]),
            connection_id=Subquery(latest.values("pk")[:1]),
        )
    return list(people.order_by("last_name", "first_name", "number")[:limit])
