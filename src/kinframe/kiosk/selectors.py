"""The kiosk's reads: a person's delivered photos (new ones marked) and their connections.

They live here rather than in ``photos`` or ``connections`` because only the kiosk shows a person
their own gallery and connections; each is one query. The viewer steps through photos newest
delivery first (``delivered_at``: when staff approved the photo, or when it was sent for rows
without a review time); the gallery shows the photos the person has not opened yet first.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from kinframe.connections.models import Connection
from kinframe.facilities.models import Inmate
from kinframe.keyset import newer_than, older_than
from kinframe.photos.models import Photo, PhotoView

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _opened(inmate: Inmate) -> Exists:
    """Whether ``inmate`` has opened the photo of the outer query."""
    return Exists(
        PhotoView.objects.filter(
            photo=OuterRef("pk"), viewer_kind=PhotoView.ViewerKind.INMATE, viewer_inmate=inmate
        )
    )


def delivered_photos(*, inmate: Inmate) -> QuerySet[Photo]:
    """``inmate``'s approved photos, newest delivery first, with the sender for captions.

    The viewer and the photo files use this alone: they do not read ``PhotoView`` while another
    request of the same screen may be writing one.
    """
    return (
        Photo.objects.filter(inmate=inmate, status=Photo.Status.APPROVED)
        .annotate(delivered_at=Coalesce("reviewed_at", "created_at"))
        .select_related("sender", "connection")
        .order_by("-delivered_at", "-id")
    )


#: The gallery's New looks among this many of the newest deliveries. Someone who has opened most
#: of a long history would otherwise have every photo they ever had checked on each visit (18 ms
#: for 2,000 photos); bounded, a visit costs the same at any length. A photo this far back that
#: was never opened is still in the gallery, just not marked New.
NEW_WITHIN = 100


def unopened_photos(*, inmate: Inmate) -> QuerySet[Photo]:
    """``inmate``'s photos they have not opened yet among their ``NEW_WITHIN`` newest deliveries,
    newest delivery first (the gallery's New).

    The bound is the ``NEW_WITHIN``-th newest delivery time, found in the same query, so the
    gallery index is read as a range from the newest down to it.
    """
    delivered = delivered_photos(inmate=inmate)
    bound = delivered.values(at=F("delivered_at"))[NEW_WITHIN - 1 : NEW_WITHIN]
    recent = delivered.filter(Q(delivered_at__gte=Coalesce(Subquery(bound), Value(EPOCH))))
    return recent.exclude(_opened(inmate))


def delivered_photo(*, inmate: Inmate, public_id) -> Photo | None:
    """One of ``inmate``'s own approved photos, or None (anyone else's looks the same as none)."""
    return delivered_photos(inmate=inmate).filter(public_id=public_id).first()


def photo_neighbours(*, inmate: Inmate, photo: Photo) -> tuple[Photo | None, Photo | None]:
    """The photos before (newer) and after (older) ``photo`` in delivery order."""
    photos = delivered_photos(inmate=inmate)
    at, pk = photo.delivered_at, photo.pk  # type: ignore[attr-defined]  # annotated by delivered_photos
    # The keyset conditions put a plain range on ``delivered_at`` so each is one step in the
    # gallery index, however deep in the gallery the photo is.
    newer = (
        photos.filter(newer_than("delivered_at", at, pk))
        .order_by(F("delivered_at").asc(), "id")
        .first()
    )
    older = photos.filter(older_than("delivered_at", at, pk)).first()
    return newer, older


def open_connections(*, inmate: Inmate) -> QuerySet[Connection]:
    """The person's approved connections, then requests still waiting, with each sender."""
    return (
        Connection.objects.filter(inmate=inmate, status__in=Connection.OPEN_STATUSES)
        .select_related("sender")
        .order_by("status", "-decided_at", "-created_at", "-id")
    )


def connection_of(*, inmate: Inmate, connection_id: int) -> Connection | None:
    """One of the person's own open connections, or None (anyone else's looks like none)."""
    return open_connections(inmate=inmate).filter(pk=connection_id).first()
