"""Delivered photos, enrolled kiosk screens and signed-in kiosk clients for the kiosk tests."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse
from tests.factories import PIN

from kinframe.audit.actors import SYSTEM
from kinframe.devices.models import KioskDevice
from kinframe.devices.services import kiosk_device_activate, kiosk_device_enrol
from kinframe.facilities.models import Facility, Inmate
from kinframe.kiosk.access import DEVICE_COOKIE


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
