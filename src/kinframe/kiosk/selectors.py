"""The kiosk's reads: a person's delivered photos (new ones marked) and their connections.

They live here rather than in ``photos`` or ``connections`` because only the kiosk shows a person
their own gallery and connections; each is one query. The viewer steps through photos newest
delivery first (``delivered_at``: when staff approved the photo, or when it was sent for rows
without a review time); the gallery puts the photos the person has not opened yet before those.
"""

from __future__ import annotations

from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce

from kinframe.connections.models import Connection
from kinframe.facilities.models import Inmate
from kinframe.photos.models import Photo, PhotoView


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


def gallery_photos(*, inmate: Inmate) -> QuerySet[Photo]:
    """The gallery's order: photos not opened yet first, each group newest delivery first.

    Each carries ``seen``: whether the person has opened it (any ``PhotoView`` of theirs, here or
    on a tablet). A photo fetched ahead by the viewer but never shown has no view, so it stays new.
    """
    return (
        delivered_photos(inmate=inmate)
        .annotate(seen=_opened(inmate))
        .order_by("seen", "-delivered_at", "-id")
    )


def new_photo_count(*, inmate: Inmate) -> int:
    return (
        Photo.objects.filter(inmate=inmate, status=Photo.Status.APPROVED)
        .exclude(_opened(inmate))
        .count()
    )


def delivered_photo(*, inmate: Inmate, public_id) -> Photo | None:
    """One of ``inmate``'s own approved photos, or None (anyone else's looks the same as none)."""
    return delivered_photos(inmate=inmate).filter(public_id=public_id).first()


def photo_neighbours(*, inmate: Inmate, photo: Photo) -> tuple[Photo | None, Photo | None]:
    """The photos before (newer) and after (older) ``photo`` in delivery order."""
    photos = delivered_photos(inmate=inmate)
    at, pk = photo.delivered_at, photo.pk  # type: ignore[attr-defined]  # annotated by delivered_photos
    newer = (
        photos.filter(Q(delivered_at__gt=at) | Q(delivered_at=at, id__gt=pk))
        .order_by(F("delivered_at").asc(), "id")
        .first()
    )
    older = photos.filter(Q(delivered_at__lt=at) | Q(delivered_at=at, id__lt=pk)).first()
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
