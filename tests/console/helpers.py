"""Building photos for console tests the way the photos app leaves them."""

from __future__ import annotations

import io
from datetime import datetime

from django.core.files.base import ContentFile
from PIL import Image
from tests.factories import give_credits

from kinframe.credits.services import credits_charge_photo
from kinframe.photos.models import Photo


def jpeg_bytes(size: tuple[int, int] = (48, 32), color: str = "teal") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "JPEG")
    return buffer.getvalue()


def make_photo(
    connection,
    *,
    status: str = Photo.Status.PENDING_REVIEW,
    price: int = 100,
    created_at: datetime | None = None,
    credits: int | None = None,
) -> Photo:
    """A processed photo as the photos app would leave it: charged, with a display image and a
    thumbnail in private storage. ``credits`` puts that many in the sender's wallet first."""
    if credits:
        give_credits(connection.sender, credits)
    photo = Photo.objects.create(
        sender=connection.sender,
        inmate=connection.inmate,
        connection=connection,
        facility=connection.inmate.facility,
        status=status,
        price=price,
        width=48,
        height=32,
    )
    photo.image.save("display.jpg", ContentFile(jpeg_bytes((480, 320))), save=False)
    photo.thumbnail.save("thumb.jpg", ContentFile(jpeg_bytes()), save=False)
    photo.save(update_fields=["image", "thumbnail"])
    credits_charge_photo(photo=photo)
    if created_at is not None:
        Photo.objects.filter(pk=photo.pk).update(created_at=created_at)
        photo.refresh_from_db()
    return photo
