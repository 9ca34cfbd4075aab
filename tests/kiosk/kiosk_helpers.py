"""Delivered photos and signed-in kiosk clients for the kiosk tests."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse
from tests.factories import PIN

from kinframe.facilities.models import Inmate


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
