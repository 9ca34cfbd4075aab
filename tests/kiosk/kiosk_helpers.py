"""Delivered photos, enrolled kiosk screens and signed-in kiosk clients for the kiosk tests."""

from __future__ import annotations

import io
from datetime import datetime

from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from PIL import Image
from tests.factories import PIN

from kinframe.audit.actors import SYSTEM
from kinframe.connections.models import Connection
from kinframe.devices.models import KioskDevice
from kinframe.devices.services import kiosk_device_activate, kiosk_device_enrol
from kinframe.facilities.models import Facility, Inmate
from kinframe.kiosk.access import DEVICE_COOKIE
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


def enrolled_device(facility: Facility, name: str = "Day room", **extra) -> tuple[KioskDevice, str]:
    """A kiosk device of ``facility`` enrolled and activated; returns it and its cookie value."""
    _, code = kiosk_device_enrol(actor=SYSTEM, facility=facility, name=name, **extra)
    return kiosk_device_activate(actor=SYSTEM, enrolment_code=code)


def kiosk_screen(facility: Facility, *, credential: str | None = None, **client_kwargs) -> Client:
    """A browser that is an enrolled kiosk of ``facility`` (a new device unless ``credential``)."""
    if credential is None:
        _, credential = enrolled_device(facility)
    client = Client(**client_kwargs)
    client.cookies[DEVICE_COOKIE] = credential
    return client


def kiosk_sign_in(client: Client, inmate: Inmate, pin: str = PIN):
    return client.post(reverse("kiosk:sign_in"), {"number": inmate.number, "pin": pin})


def kiosk_client(inmate: Inmate, *, credential: str | None = None) -> Client:
    """A kiosk of ``inmate``'s facility with ``inmate`` signed in."""
    client = kiosk_screen(inmate.facility, credential=credential)
    response = kiosk_sign_in(client, inmate)
    assert response.status_code == 302, response.content
    assert response["Location"] == reverse("kiosk:home"), response["Location"]
    return client
