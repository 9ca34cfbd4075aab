"""Delivered photos and signed-in kiosk clients for the kiosk tests."""

from __future__ import annotations

import io
from datetime import datetime

from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from PIL import Image
from tests.factories import PIN

from kinframe.connections.models import Connection
from kinframe.facilities.models import Inmate
from kinframe.photos.models import Photo


def jpeg_bytes(color: tuple[int, int, int] = (200, 80, 40), size=(64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "JPEG")
    return buffer.getvalue()


def make_photo(
    connection: Connection,
    *,
    status: str = Photo.Status.APPROVED,
    reviewed_at: datetime | None = None,
) -> Photo:
    """A processed photo over ``connection`` with real JPEG display and thumbnail files."""
    photo = Photo.objects.create(
        sender=connection.sender,
        inmate=connection.inmate,
        connection=connection,
        facility=connection.inmate.facility,
        status=status,
        price=100,
        reviewed_at=reviewed_at,
    )
    photo.image.save("display.jpg", ContentFile(jpeg_bytes(size=(640, 480))), save=False)
    photo.thumbnail.save("thumb.jpg", ContentFile(jpeg_bytes(size=(64, 48))), save=False)
    photo.save(update_fields=["image", "thumbnail"])
    return photo


def kiosk_sign_in(client: Client, inmate: Inmate, pin: str = PIN):
    return client.post(
        reverse("kiosk:sign_in"),
        {"facility_code": inmate.facility.code, "number": inmate.number, "pin": pin},
    )


def kiosk_client(inmate: Inmate) -> Client:
    """A fresh browser signed in at the kiosk as ``inmate``."""
    client = Client()
    response = kiosk_sign_in(client, inmate)
    assert response.status_code == 302, response.content
    return client
