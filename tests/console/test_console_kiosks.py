"""The console's Kiosks page: facility admins enrol screens (the code is shown once), see when each
was last used, and revoke them. Everybody else gets the console's 404."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from tests.kiosk.kiosk_helpers import enrolled_device

from kinframe.devices.models import KioskDevice

pytestmark = pytest.mark.django_db

SIGN_IN = reverse("kiosk:sign_in")


def kiosks_url(facility) -> str:
    return reverse("console:kiosks", args=[facility.code])


def revoke_url(facility, device) -> str:
    return reverse("console:kiosk_revoke", args=[facility.code, device.pk])


def test_admin_enrols_a_kiosk_and_the_code_enrols_its_browser_once(
    client, facility, facility_admin
):
    client.force_login(facility_admin)
    posted = client.post(kiosks_url(facility), {"name": "Block B day room"})
    assert posted["Location"] == kiosks_url(facility)  # a reload of the page enrols nothing twice
    response = client.get(kiosks_url(facility))
    assert "no-store" in response["Cache-Control"]
    body = response.content.decode()
    code = re.search(r'data-testid="kiosk-enrolment-code">([A-Z0-9-]+)<', body).group(1)
    link = re.search(r'data-testid="kiosk-enrolment-link">([^<]+)<', body).group(1)
    assert link.endswith(f"/kiosk/enrol/?code={code}")
    # Shown once: the list page never shows it again.
    assert code not in client.get(kiosks_url(facility)).content.decode()

    kiosk = Client()
    assert kiosk.get(SIGN_IN).status_code == 403
    kiosk.post(reverse("kiosk:enrol"), {"code": code})
    assert kiosk.get(SIGN_IN).status_code == 200
    page = client.get(kiosks_url(facility)).content.decode()
    assert "Block B day room" in page
    assert 'data-testid="kiosk-status">Enrolled' in page
    assert 'data-testid="kiosk-last-seen">never' not in page


def test_admin_revokes_a_kiosk_and_it_stops_at_once(client, facility, facility_admin):
    device, credential = enrolled_device(facility, name="Library")
    kiosk = Client()
    kiosk.cookies["kiosk_device"] = credential
    assert kiosk.get(SIGN_IN).status_code == 200
    client.force_login(facility_admin)
    response = client.post(revoke_url(facility, device), follow=True)
    assert "Revoked the kiosk “Library”" in response.content.decode()
    assert kiosk.get(SIGN_IN).status_code == 403
    device.refresh_from_db()
    assert device.revoked_by == facility_admin


def test_bad_networks_are_a_400_with_a_message(client, facility, facility_admin):
    client.force_login(facility_admin)
    response = client.post(kiosks_url(facility), {"name": "Gym", "allowed_networks": "10.0.0/8x"})
    assert response.status_code == 400
    assert "CIDR" in response.content.decode()
    assert not KioskDevice.objects.exists()


@pytest.mark.parametrize("who", ["reviewer", "investigator", "other_staff"])
def test_nobody_but_the_facilitys_admins_sees_or_changes_kiosks(request, client, facility, who):
    device, _credential = enrolled_device(facility)
    client.force_login(request.getfixturevalue(who))
    assert client.get(kiosks_url(facility)).status_code == 404
    assert client.post(kiosks_url(facility), {"name": "Sneaky"}).status_code == 404
    assert client.post(revoke_url(facility, device)).status_code == 404
    assert KioskDevice.objects.count() == 1
    assert KioskDevice.objects.active().count() == 1


def test_anonymous_visitors_go_to_the_sign_in(client, facility):
    assert client.get(kiosks_url(facility))["Location"].startswith(reverse("account_login"))


def test_a_device_of_another_facility_is_a_404(client, facility, facility_admin, other_facility):
    device, _ = enrolled_device(other_facility)
    client.force_login(facility_admin)
    assert client.post(revoke_url(facility, device)).status_code == 404
    assert KioskDevice.objects.active().count() == 1


def test_operator_may_enrol(client, facility, operator):
    client.force_login(operator)
    assert client.post(kiosks_url(facility), {"name": "Intake"}).status_code == 302
    assert KioskDevice.objects.filter(facility=facility, name="Intake").exists()


def test_admins_see_the_kiosks_link(client, facility, facility_admin, reviewer):
    client.force_login(facility_admin)
    assert 'data-testid="nav-kiosks"' in client.get(kiosks_url(facility)).content.decode()
    client.force_login(reviewer)
    page = client.get(reverse("console:review_queue", args=[facility.code])).content.decode()
    assert 'data-testid="nav-kiosks"' not in page


def test_the_list_takes_a_fixed_number_of_queries(client, facility, facility_admin):
    client.force_login(facility_admin)
    client.get(kiosks_url(facility))
    for n in range(5):
        enrolled_device(facility, name=f"Screen {n}")

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(kiosks_url(facility)).status_code == 200
        return len(queries)

    few = count()
    for n in range(5):
        enrolled_device(facility, name=f"More {n}")
    assert count() == few
