"""Signing in at an enrolled kiosk: number and PIN; lockouts and backoff; timeouts; sign-out."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from tests.factories import PIN, FacilityFactory, InmateFactory, StaffFactory
from tests.kiosk.kiosk_helpers import enrolled_device, kiosk_screen, kiosk_sign_in

from kinframe.audit.models import AuditEvent
from kinframe.devices.services import MESSAGES, SignInRefusal
from kinframe.facilities.models import Inmate, StaffMembership
from kinframe.kiosk.access import SESSION_INMATE

pytestmark = pytest.mark.django_db

HOME = reverse("kiosk:home")
SIGN_IN = reverse("kiosk:sign_in")
GENERIC_FAILURE = str(MESSAGES[SignInRefusal.FAILED])
LOCKED_OUT = str(MESSAGES[SignInRefusal.PERSON_LOCKED])
WRONG = "905173"


@pytest.fixture
def screen(facility):
    return kiosk_screen(facility)


def test_sign_in_opens_the_kiosk_home(screen, inmate):
    screen.get(SIGN_IN)
    before = screen.session.session_key
    response = kiosk_sign_in(screen, inmate)
    assert response.status_code == 302
    assert response["Location"] == HOME
    assert screen.session[SESSION_INMATE] == inmate.pk
    assert screen.session.session_key != before
    home = screen.get(HOME)
    assert home.status_code == 200
    assert 'data-testid="kiosk-sign-out"' in home.content.decode()
    assert AuditEvent.objects.filter(action="kiosk.signed_in", actor_inmate=inmate).exists()


def test_sign_in_page_names_the_facility_and_asks_only_number_and_pin(screen, facility):
    body = screen.get(SIGN_IN).content.decode()
    assert facility.name in body
    assert 'name="number"' in body
    assert 'name="pin"' in body
    assert "Facility code" not in body
    assert 'data-testid="kiosk-sign-out"' not in body


def test_sign_in_ignores_case_and_spaces_in_the_number(screen, inmate):
    response = screen.post(SIGN_IN, {"number": f" {inmate.number.lower()} ", "pin": PIN})
    assert response.status_code == 302


@pytest.mark.parametrize("case", ["wrong pin", "unknown number", "other facility", "released"])
def test_every_failure_gets_the_same_message(screen, inmate, case):
    person = inmate
    pin = PIN
    if case == "wrong pin":
        pin = WRONG
    elif case == "unknown number":
        person = Inmate(number="Z99999", facility=inmate.facility)
    elif case == "other facility":
        person = InmateFactory()  # their PIN is right, but this screen is not at their facility
    else:
        Inmate.objects.filter(pk=inmate.pk).update(status=Inmate.Status.RELEASED)
    response = kiosk_sign_in(screen, person, pin=pin)
    assert response.status_code == 400
    assert GENERIC_FAILURE in response.content.decode()
    assert SESSION_INMATE not in screen.session


def test_incomplete_form_is_a_400(screen):
    assert screen.post(SIGN_IN, {"number": "x"}).status_code == 400


def test_too_many_wrong_pins_lock_the_number_for_fifteen_minutes(screen, inmate):
    for _ in range(settings.KIOSK_PIN_MAX_ATTEMPTS - 1):
        assert kiosk_sign_in(screen, inmate, pin=WRONG).status_code == 400
    last = kiosk_sign_in(screen, inmate, pin=WRONG)
    assert last.status_code == 429
    assert LOCKED_OUT in last.content.decode()
    locked = kiosk_sign_in(screen, inmate)  # even the right PIN
    assert locked.status_code == 429
    assert SESSION_INMATE not in screen.session
    assert AuditEvent.objects.filter(action="kiosk.locked_out").count() == 1
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        assert kiosk_sign_in(screen, inmate).status_code == 302


def test_lockout_is_per_person(screen, inmate, facility):
    for _ in range(settings.KIOSK_PIN_MAX_ATTEMPTS):
        kiosk_sign_in(screen, inmate, pin=WRONG)
    neighbour = InmateFactory(facility=facility)
    assert kiosk_sign_in(screen, neighbour).status_code == 302


def test_unknown_numbers_lock_out_the_same_way(screen):
    data = {"number": "NOPE1", "pin": WRONG}
    statuses = [screen.post(SIGN_IN, data).status_code for _ in range(6)]
    assert statuses == [400, 400, 400, 400, 429, 429]


def test_a_right_pin_clears_earlier_failures(screen, inmate):
    for _ in range(settings.KIOSK_PIN_MAX_ATTEMPTS - 1):
        kiosk_sign_in(screen, inmate, pin=WRONG)
    assert kiosk_sign_in(screen, inmate).status_code == 302
    screen.post(reverse("kiosk:sign_out"))
    for _ in range(settings.KIOSK_PIN_MAX_ATTEMPTS - 1):
        assert kiosk_sign_in(screen, inmate, pin=WRONG).status_code == 400


def test_sign_out_ends_the_session(screen, inmate):
    kiosk_sign_in(screen, inmate)
    response = screen.post(reverse("kiosk:sign_out"), follow=True)
    assert "You are signed out" in response.content.decode()
    assert screen.get(HOME)["Location"] == SIGN_IN
    assert AuditEvent.objects.filter(action="kiosk.signed_out", actor_inmate=inmate).exists()


def test_sign_out_needs_post(screen, inmate):
    kiosk_sign_in(screen, inmate)
    assert screen.get(reverse("kiosk:sign_out")).status_code == 405
    assert screen.get(HOME).status_code == 200


def test_idle_session_ends(screen, inmate, settings):
    settings.KIOSK_SESSION_MAX_SECONDS = 3600
    kiosk_sign_in(screen, inmate)
    idle = settings.KIOSK_IDLE_SECONDS
    with time_machine.travel(timezone.now() + timedelta(seconds=idle - 10)):
        assert screen.get(HOME).status_code == 200  # activity pushes the timeout back
    with time_machine.travel(timezone.now() + timedelta(seconds=2 * idle - 20)):
        assert screen.get(HOME).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(seconds=3 * idle)):
        response = screen.get(HOME, follow=True)
    assert response.redirect_chain[-1][0] == SIGN_IN
    assert "not used" in response.content.decode()
    assert SESSION_INMATE not in screen.session


def test_a_session_ends_at_its_lifetime_however_busy(screen, inmate, settings):
    """Found in the finding: idle timeouts alone let a polling page keep a session for ever."""
    settings.KIOSK_SESSION_MAX_SECONDS = 15 * 60
    start = timezone.now()
    kiosk_sign_in(screen, inmate)
    for minute in range(1, 15):  # a tap every minute
        with time_machine.travel(start + timedelta(minutes=minute)):
            page = screen.get(HOME)
            assert page.status_code == 200
            # The screen's own timer signs out at the same absolute end.
            remaining = int(re.search(rb'data-session-remaining="(\d+)"', page.content).group(1))
            # (+1: the session's start is whole seconds, and sign-in may land in the next one)
            assert (15 - minute) * 60 - 5 <= remaining <= (15 - minute) * 60 + 1
    with time_machine.travel(start + timedelta(minutes=15, seconds=5)):
        response = screen.get(HOME, follow=True)
    assert response.redirect_chain[-1][0] == SIGN_IN
    assert "Your time is up" in response.content.decode()


def test_release_ends_the_kiosk_session(screen, inmate):
    kiosk_sign_in(screen, inmate)
    Inmate.objects.filter(pk=inmate.pk).update(status=Inmate.Status.RELEASED)
    assert screen.get(HOME)["Location"] == SIGN_IN


def test_kiosk_sign_in_drops_a_web_login_on_the_same_browser(screen, sender, inmate):
    screen.force_login(sender)
    kiosk_sign_in(screen, inmate)
    assert screen.get(reverse("sender:home"))["Location"].startswith(reverse("account_login"))


def test_signed_in_inmate_skips_the_sign_in_page(screen, inmate):
    kiosk_sign_in(screen, inmate)
    assert screen.get(SIGN_IN)["Location"] == HOME


def test_a_session_belongs_to_the_screen_it_was_opened_on(screen, inmate, facility):
    kiosk_sign_in(screen, inmate)
    other = kiosk_screen(facility)
    other.cookies["sessionid"] = screen.cookies["sessionid"].value
    assert other.get(HOME)["Location"] == SIGN_IN


# --- per-device and per-facility limits ---------------------------------------------------------


def test_one_screen_trying_a_pin_against_many_numbers_is_stopped(facility, settings):
    """The per-number limit alone would let a screen try one PIN against every number."""
    settings.KIOSK_PIN_MAX_FAILURES_PER_DEVICE = 6
    people = [InmateFactory(facility=facility) for _ in range(7)]
    _, credential = enrolled_device(facility)
    attacker = kiosk_screen(facility, credential=credential)
    statuses = [kiosk_sign_in(attacker, person, pin=WRONG).status_code for person in people[:6]]
    assert statuses[:5] == [400] * 5
    assert statuses[5] == 429
    # Clearing cookies does not help: the count is the device's, and its credential is the cookie.
    again = kiosk_screen(facility, credential=credential)
    response = kiosk_sign_in(again, people[6])  # even the right PIN, on this screen
    assert response.status_code == 429
    assert "on this screen" in response.content.decode()
    # Kiosks share one NAT address; the next screen over still works.
    assert kiosk_sign_in(kiosk_screen(facility), people[6]).status_code == 302


def test_many_screens_spraying_together_pause_the_facility_exponentially(facility, settings):
    settings.KIOSK_PIN_FACILITY_FREE_FAILURES = 4
    people = [InmateFactory(facility=facility) for _ in range(6)]
    screens = [kiosk_screen(facility) for _ in range(4)]
    for i in range(4):
        assert kiosk_sign_in(screens[i], people[i], pin=WRONG).status_code == 400
    start = timezone.now()
    assert kiosk_sign_in(screens[0], people[4], pin=WRONG).status_code == 400  # 5th: pause 2 s
    paused = kiosk_sign_in(screens[1], people[5])  # even the right PIN, on another screen
    assert paused.status_code == 429
    assert "paused" in paused.content.decode()
    assert 1 <= int(paused["Retry-After"]) <= 3
    with time_machine.travel(start + timedelta(seconds=3)):
        assert kiosk_sign_in(screens[2], people[4], pin=WRONG).status_code == 400  # 6th: 4 s
        assert kiosk_sign_in(screens[3], people[5]).status_code == 429
    with time_machine.travel(start + timedelta(seconds=6)):
        assert kiosk_sign_in(screens[3], people[5]).status_code == 429  # 4 s from the 6th: paused
    with time_machine.travel(start + timedelta(seconds=8)):
        assert kiosk_sign_in(screens[3], people[5]).status_code == 302
    # Another facility's kiosks never paused.
    elsewhere = InmateFactory()
    assert kiosk_sign_in(kiosk_screen(elsewhere.facility), elsewhere).status_code == 302


def test_repeated_lockouts_alert_the_facilitys_admins_once(
    facility, settings, django_capture_on_commit_callbacks
):
    settings.KIOSK_LOCKOUT_ALERT_THRESHOLD = 2
    admin = StaffFactory(facility=facility, facility__role=StaffMembership.Role.ADMIN)
    StaffFactory(facility=facility)  # a reviewer: not alerted
    StaffFactory(facility=FacilityFactory(), facility__role=StaffMembership.Role.ADMIN)
    people = [InmateFactory(facility=facility) for _ in range(3)]
    screen = kiosk_screen(facility)
    with django_capture_on_commit_callbacks(execute=True):
        for person in people:
            for _ in range(settings.KIOSK_PIN_MAX_ATTEMPTS):
                kiosk_sign_in(screen, person, pin=WRONG)
    assert AuditEvent.objects.filter(action="kiosk.locked_out", facility=facility).count() == 3
    alert = AuditEvent.objects.get(action="kiosk.lockouts_alert")
    assert alert.facility == facility
    assert [m.to for m in mail.outbox] == [[admin.email]]
    assert facility.name in mail.outbox[0].subject
    assert f"/console/{facility.code}/kiosks/" in mail.outbox[0].body


# --- the spray the finding describes ------------------------------------------------------------


def test_a_hundred_fresh_browsers_sign_in_nobody(facility):
    """100 tries, each from a fresh client with fresh cookies: none opens a session.

    Against a browser that is not enrolled every try is refused before any PIN is checked (even
    the right PIN). Against an enrolled device, wrong PINs for many numbers hit the device's limit,
    which fresh cookies do not reset because it counts the device, not a cookie.
    """
    people = [InmateFactory(facility=facility) for _ in range(10)]
    for attempt in range(50):
        fresh = Client()
        fresh.get(SIGN_IN)
        pin = PIN if attempt % 10 == 0 else f"{905173 + attempt}"
        response = kiosk_sign_in(fresh, people[attempt % 10], pin=pin)
        assert response.status_code == 403
        assert SESSION_INMATE not in fresh.session
    _, credential = enrolled_device(facility)
    statuses = []
    for attempt in range(50):
        fresh = kiosk_screen(facility, credential=credential)  # new cookie jar, same device
        response = kiosk_sign_in(fresh, people[attempt % 10], pin=f"{905173 + attempt}")
        statuses.append(response.status_code)
        assert SESSION_INMATE not in fresh.session
    assert set(statuses) <= {400, 429}
    assert statuses.count(400) <= settings.KIOSK_PIN_MAX_FAILURES_PER_DEVICE
    assert not AuditEvent.objects.filter(action="kiosk.signed_in").exists()
