"""Kiosk devices: enrolment codes work once, credentials are the only way in, revoking is at once."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from tests.actors import SYSTEM, as_staff
from tests.factories import FacilityFactory, StaffFactory
from tests.kiosk.kiosk_helpers import enrolled_device, kiosk_client, kiosk_screen

from kinframe.audit.models import AuditEvent
from kinframe.devices.models import KioskDevice
from kinframe.devices.services import (
    DeviceError,
    kiosk_device_activate,
    kiosk_device_enrol,
    kiosk_device_revoke,
)
from kinframe.facilities.models import StaffMembership
from kinframe.kiosk.access import DEVICE_COOKIE

pytestmark = pytest.mark.django_db

ENROL = reverse("kiosk:enrol")
SIGN_IN = reverse("kiosk:sign_in")
HOME = reverse("kiosk:home")


def admin_of(facility):
    user = StaffFactory(facility=facility, facility__role=StaffMembership.Role.ADMIN)
    return as_staff(user)


def test_a_code_enrols_one_browser_once(facility):
    device, code = kiosk_device_enrol(actor=admin_of(facility), facility=facility, name="Day room")
    assert code not in device.enrolment_code_hash
    assert len(code) == 19
    browser = Client()
    assert browser.get(f"{ENROL}?code={code}").status_code == 200  # a GET uses up nothing
    response = browser.post(ENROL, {"code": code.lower().replace("-", " ")})
    assert response["Location"] == SIGN_IN
    cookie = response.cookies[DEVICE_COOKIE]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Strict"
    assert cookie["path"] == "/kiosk/"
    assert b'data-testid="kiosk-sign-in-form"' in browser.get(SIGN_IN).content
    device.refresh_from_db()
    assert device.activated_at is not None
    assert device.enrolment_code_hash == ""
    assert cookie.value not in device.credential_hash
    # The code is spent: a second browser gets nothing.
    second = Client()
    refused = second.post(ENROL, {"code": code})
    assert refused.status_code == 400
    assert DEVICE_COOKIE not in refused.cookies
    assert second.get(SIGN_IN).status_code == 403
    actions = list(AuditEvent.objects.order_by("pk").values_list("action", flat=True))
    assert actions == ["kiosk_device.enrolled", "kiosk_device.activated"]


def test_a_code_expires(facility, settings):
    _, code = kiosk_device_enrol(actor=SYSTEM, facility=facility, name="Day room")
    later = timezone.now() + timedelta(seconds=settings.KIOSK_ENROLMENT_SECONDS + 1)
    with time_machine.travel(later), pytest.raises(DeviceError, match="expired"):
        kiosk_device_activate(actor=SYSTEM, enrolment_code=code)


@pytest.mark.parametrize("who", ["reviewer", "investigator", "other admin"])
def test_only_the_facilitys_admins_enrol_and_revoke(facility, who):
    if who == "other admin":
        actor = admin_of(FacilityFactory())
    else:
        user = StaffFactory(facility=facility, facility__role=who)
        actor = as_staff(user)
    with pytest.raises(DeviceError):
        kiosk_device_enrol(actor=actor, facility=facility, name="Day room")
    device, _ = enrolled_device(facility)
    with pytest.raises(DeviceError):
        kiosk_device_revoke(actor=actor, device=device)
    assert not KioskDevice.objects.filter(revoked_at__isnull=False).exists()


def test_revoking_ends_the_screen_and_its_session_at_once(facility, inmate):
    device, credential = enrolled_device(facility)
    screen = kiosk_client(inmate, credential=credential)
    assert screen.get(HOME).status_code == 200
    kiosk_device_revoke(actor=admin_of(facility), device=device)
    response = screen.get(HOME)
    assert response.status_code == 403
    assert b"This screen is not enrolled" in response.content
    assert "kiosk_inmate_id" not in screen.session
    kiosk_device_revoke(actor=admin_of(facility), device=device)  # again: nothing changes
    assert AuditEvent.objects.filter(action="kiosk_device.revoked").count() == 1


def test_a_device_of_another_facility_signs_in_nobody_here(inmate):
    elsewhere = kiosk_screen(FacilityFactory())
    response = elsewhere.post(SIGN_IN, {"number": inmate.number, "pin": "730416"})
    assert response.status_code == 400


def test_a_made_up_or_old_cookie_is_not_a_device(facility):
    browser = Client()
    browser.cookies[DEVICE_COOKIE] = "x" * 43
    assert browser.get(SIGN_IN).status_code == 403
    browser.cookies[DEVICE_COOKIE] = "x" * 5000
    assert browser.get(SIGN_IN).status_code == 403


def test_a_device_with_networks_answers_only_from_them(facility):
    _, credential = enrolled_device(facility, allowed_networks="10.20.0.0/16, 192.0.2.7")
    inside = kiosk_screen(facility, credential=credential, REMOTE_ADDR="10.20.3.4")
    assert inside.get(SIGN_IN).status_code == 200
    host = kiosk_screen(facility, credential=credential, REMOTE_ADDR="192.0.2.7")
    assert host.get(SIGN_IN).status_code == 200
    outside = kiosk_screen(facility, credential=credential, REMOTE_ADDR="10.21.0.1")
    assert outside.get(SIGN_IN).status_code == 403


def test_bad_networks_are_refused_with_a_message(facility):
    with pytest.raises(DeviceError, match="CIDR"):
        kiosk_device_enrol(
            actor=SYSTEM, facility=facility, name="Day room", allowed_networks="10.0.0.0/33"
        )
    assert not KioskDevice.objects.exists()


def test_last_seen_moves_at_most_once_a_minute(facility):
    device, credential = enrolled_device(facility)
    screen = kiosk_screen(facility, credential=credential)
    start = timezone.now()
    with time_machine.travel(start + timedelta(minutes=5), tick=False):
        screen.get(SIGN_IN)
        device.refresh_from_db()
        assert device.last_seen_at == start + timedelta(minutes=5)
    with time_machine.travel(start + timedelta(minutes=5, seconds=30), tick=False):
        screen.get(SIGN_IN)
        device.refresh_from_db()
        assert device.last_seen_at == start + timedelta(minutes=5)


def test_the_devices_app_imports_no_audience_app():
    import ast
    from pathlib import Path

    import kinframe.devices

    for path in Path(kinframe.devices.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                assert not node.module.startswith(
                    ("kinframe.kiosk", "kinframe.console", "kinframe.sender", "kinframe.api")
                ), path
