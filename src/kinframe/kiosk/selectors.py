"""The kiosk's reads of an inmate's delivered photos.

They live here rather than in ``photos`` because only the kiosk shows a person their own gallery;
each is one query, ordered newest delivery first (``delivered_at``: when staff approved the photo,
or when it was sent for rows without a review time).
"""

from __future__ import annotations

from django.db.models import F, QuerySet
from django.db.models.functions import Coalesce

from kinframe.facilities.models import Inmate
from kinframe.keyset import newer_than, older_than
from kinframe.photos.models import Photo


def delivered_photos(*, inmate: Inmate) -> QuerySet[Photo]:
    """``inmate``'s approved photos, newest delivery first, with the sender for captions."""
    return (
        Photo.objects.filter(inmate=inmate, status=Photo.Status.APPROVED)
        .annotate(delivered_at=Coalesce("reviewed_at", "created_at"))
        .select_related("sender", "connection")
        .order_by("-delivered_at", "-id")
    )


def delivered_photo(*, inmate: Inmate, public_id) -> Photo | None:
    """One of ``inmate``'s own approved photos, or None (anyone else's looks the same as none)."""
    return delivered_photos(inmate=inmate).filter(public_id=public_id).first()


def photo_neighbours(*, inmate: Inmate, photo: Photo) -> tuple[Photo | None, Photo | None]:
    """The photos before (newer) and after (older) ``photo`` in the gallery's order."""
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
