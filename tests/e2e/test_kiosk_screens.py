"""A portrait kiosk (1080x1920) in a real browser: not enrolled, enrolled from the console by a
facility admin, and a person with an old 4-digit PIN made to choose a new one first."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from tests.e2e.conftest import SCREENSHOTS
from tests.factories import PASSWORD, FacilityFactory, InmateFactory, StaffFactory

from kinframe.facilities.models import StaffMembership

pytestmark = pytest.mark.django_db(transaction=True)

PORTRAIT = {"width": 1080, "height": 1920}


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def test_portrait_kiosk_is_enrolled_from_the_console_and_asks_for_a_new_pin(browser, live_server):
    facility = FacilityFactory(name="Riverside County Jail", code="riverside")
    admin = StaffFactory(facility=facility, facility__role=StaffMembership.Role.ADMIN)
    person = InmateFactory(facility=facility, first_name="Dana", pin="2468")
    kiosk = browser.new_context(viewport=PORTRAIT, base_url=live_server.url, has_touch=True)
    desk = browser.new_context(viewport={"width": 1366, "height": 900}, base_url=live_server.url)
    try:
        screen = kiosk.new_page()
        response = screen.goto("/kiosk/")
        assert response.status == 403
        expect(screen.get_by_role("heading", level=1)).to_have_text("This screen is not enrolled")
        expect(screen.locator("form")).to_have_count(0)
        shot(screen, "kiosk-portrait-01-not-enrolled")

        console = desk.new_page()
        console.goto(f"/accounts/login/?next=/console/{facility.code}/kiosks/")
        console.get_by_test_id("login-input").fill(admin.username)
        console.get_by_test_id("password-input").fill(PASSWORD)
        console.get_by_test_id("login-submit").click()
        console.wait_for_url(f"**/console/{facility.code}/kiosks/")
        console.get_by_test_id("kiosk-name").fill("Block B day room")
        console.get_by_test_id("kiosk-enrol").click()
        code = console.get_by_test_id("kiosk-enrolment-code").inner_text()
        shot(console, "kiosk-portrait-02-console-enrolment")

        screen.goto("/kiosk/enrol/")
        screen.get_by_label("Enrolment code").fill(code)
        screen.get_by_test_id("kiosk-enrol-submit").click()
        screen.wait_for_url("**/kiosk/sign-in/")
        screen.get_by_label("Your number").fill(person.number)
        screen.get_by_label("PIN").fill("2468")
        screen.get_by_test_id("kiosk-sign-in").click()
        screen.wait_for_url("**/kiosk/pin/")
        expect(screen.get_by_test_id("kiosk-new-pin-required")).to_be_visible()
        screen.get_by_label(re.compile("^New PIN \\(")).fill("123456")
        screen.get_by_label("New PIN again").fill("123456")
        screen.get_by_test_id("kiosk-save-pin").click()
        expect(screen.get_by_test_id("kiosk-new-pin-error")).to_contain_text("too easy")
        shot(screen, "kiosk-portrait-03-new-pin")
        screen.get_by_label(re.compile("^New PIN \\(")).fill("582941")
        screen.get_by_label("New PIN again").fill("582941")
        screen.get_by_test_id("kiosk-save-pin").click()
        screen.wait_for_url(re.compile(r"/kiosk/$"))
        expect(screen.get_by_role("heading", level=1)).to_have_text("Hello, Dana")

        console.reload()
        expect(console.get_by_test_id("kiosk-status")).to_have_text("Enrolled")
        console.get_by_test_id("kiosk-revoke").click()
        assert screen.goto("/kiosk/").status == 403
    finally:
        kiosk.close()
        desk.close()
