"""Issue 9, finding 1: each part of the finding, as the attacker and the person would meet it.

Every test here failed on the code before kiosk devices (commit 7ebfc01); see the commit message.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from tests.factories import PIN, InmateFactory
from tests.kiosk.kiosk_helpers import kiosk_screen

pytestmark = pytest.mark.django_db

SIGN_IN = reverse("kiosk:sign_in")


def attempt(client: Client, inmate, pin: str):
    return client.post(
        SIGN_IN, {"facility_code": inmate.facility.code, "number": inmate.number, "pin": pin}
    )


def test_any_browser_gets_no_sign_in_form(client):
    response = client.get(SIGN_IN)
    assert response.status_code == 403
    assert b"not enrolled" in response.content
    assert b"<form" not in response.content


def test_fresh_cookies_per_try_never_reach_a_pin_check(facility):
    """40 of 40 passed the per-screen limit: a fresh cookie per try. Now none reaches the check."""
    person = InmateFactory(facility=facility)
    statuses = set()
    for _ in range(40):
        fresh = Client()
        fresh.get(SIGN_IN)  # the old sign-in page minted a screen id for anyone
        statuses.add(attempt(fresh, person, "000000").status_code)
    assert statuses == {403}
    assert attempt(Client(), person, PIN).status_code == 403


def test_nobody_can_lock_a_person_out_from_a_browser_that_is_not_a_kiosk(facility):
    person = InmateFactory(facility=facility)
    for _ in range(20):
        attempt(Client(), person, "999999")
    response = attempt(kiosk_screen(facility), person, PIN)
    assert response.status_code == 302


def test_a_four_digit_pin_must_be_changed_before_anything_else(facility):
    person = InmateFactory(facility=facility, pin="1234")
    kiosk = kiosk_screen(facility)
    response = attempt(kiosk, person, "1234")
    assert response.status_code == 302
    assert response["Location"] == reverse("kiosk:new_pin")
    assert kiosk.get(reverse("kiosk:home"))["Location"] == reverse("kiosk:new_pin")
