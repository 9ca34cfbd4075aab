"""An agency-wide investigator in a real browser, under the CSP: the reports' SVG charts, a search,
a photo's story, and a case export downloaded as a ZIP. Nothing is refused by the policy."""

from __future__ import annotations

import zipfile

import pytest
from tests.factories import PASSWORD, ConnectionFactory, PhotoFactory, StaffFactory, UserFactory

from kinframe.facilities.models import AgencyMembership
from kinframe.photos.models import Photo
from kinframe.reports.services import reports_refresh

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_agency_investigator_reads_reports_and_exports_a_case(people, facility, tmp_path):
    sender = UserFactory(username="rosa")
    photos = [
        PhotoFactory(
            connection=ConnectionFactory(inmate__facility=facility, sender=sender),
            status=Photo.Status.APPROVED,
            credits=100,
        )
        for _ in range(2)
    ]
    StaffFactory(facility=facility)
    eye = UserFactory(username="eye")
    AgencyMembership.objects.create(user=eye, agency=facility.agency)
    reports_refresh()

    person = people("agency-investigator", "desktop")
    person.goto("/accounts/login/")
    person.page.get_by_test_id("login-input").fill("eye")
    person.page.get_by_test_id("password-input").fill(PASSWORD)
    person.page.get_by_test_id("login-submit").click()
    person.page.wait_for_load_state()

    person.goto(f"/console/{facility.code}/reports/?scope=agency")
    assert person.page.locator("svg.chart").count() == 5
    assert person.page.get_by_test_id("kpi-received").inner_text() == "2"
    person.shot("reports")

    person.goto(f"/console/{facility.code}/investigations/")
    person.page.get_by_test_id("search-sender").fill("rosa")
    person.page.get_by_test_id("search-button").click()
    person.page.wait_for_load_state()
    assert person.page.get_by_test_id("search-row").count() == 2
    person.page.get_by_test_id("case-photo").first.check()
    person.page.get_by_test_id("case-name").fill("C-9")
    with person.page.expect_download() as download:
        person.page.get_by_test_id("export-button").click()
    saved = tmp_path / "case.zip"
    download.value.save_as(saved)
    names = zipfile.ZipFile(saved).namelist()
    assert len([n for n in names if n.startswith("photos/")]) == 1
    exported = {str(p.public_id) for p in photos if f"photos/{p.public_id}.jpg" in names}
    assert len(exported) == 1

    person.page.get_by_test_id("story-link").first.click()
    person.page.wait_for_load_state()
    assert person.page.locator('[data-action="photo.exported"]').count() == 1
    person.shot("story")
    assert [e for e in person.console_errors if "Content Security Policy" in e] == []
