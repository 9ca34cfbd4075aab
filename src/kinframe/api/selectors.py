"""The API's reads: the people a client may reach, and their photos and connections."""

from __future__ import annotations

from django.db.models import QuerySet
from django.db.models.functions import Coalesce

from kinframe.connections.models import Connection
from kinframe.facilities.models import Inmate
from kinframe.photos.models import Photo

from .models import ApiClient


def reachable_person(*, client: ApiClient, facility_code: str, number: str) -> Inmate | None:
    """The active person numbered ``number`` at ``facility_code``, if that facility is one of the
    client's; anyone else (elsewhere, released, unknown) looks the same: None."""
    return (
        Inmate.objects.active()
        .select_related("facility")
        .filter(
            facility__code=facility_code,
            number=number,
            facility__in=client.facilities.all(),
            agency_id=client.agency_id,
        )
        .first()
    )


def delivered_photos(*, inmate: Inmate) -> QuerySet[Photo]:
    """``inmate``'s approved photos with ``delivered_at`` (review time, or sending time for rows
    without one) and what the tablet shows beside them."""
    return (
        Photo.objects.filter(inmate=inmate, status=Photo.Status.APPROVED)
        .annotate(delivered_at=Coalesce("reviewed_at", "created_at"))
        .select_related("sender", "connection")
    )


def person_connections(*, inmate: Inmate, status: str | None = None) -> QuerySet[Connection]:
    connections = Connection.objects.filter(inmate=inmate).select_related("sender")
    if status:
        connections = connections.filter(status=status)
    return connections
