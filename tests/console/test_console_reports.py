"""The reports page: charts drawn on the server under the CSP, CSV, and who may see which scope."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from tests.actors import as_staff
from tests.factories import (
    ConnectionFactory,
    FacilityFactory,
    InmateFactory,
    PhotoFactory,
    UserFactory,
)

from kinframe.facilities.models import AgencyMembership
from kinframe.photos.services import photo_approve, photo_reject
from kinframe.reports.services import reports_refresh

pytestmark = pytest.mark.django_db


@pytest.fixture
def decided(facility, reviewer, connection_):
    """Five photos today: three approved, one rejected, one waiting; figures refreshed."""
    photos = [PhotoFactory(connection=connection_, credits=100) for _ in range(5)]
    for photo in photos[:3]:
        photo_approve(photo=photo, actor=as_staff(reviewer))
    photo_reject(photo=photos[3], actor=as_staff(reviewer), reason=facility.rejection_reasons.get())
    reports_refresh()
    return photos


def _report(client, facility, **query):
    response = client.get(reverse("console:reports", args=[facility.code]), query)
    assert response.status_code == 200
    return response


def test_the_report_shows_the_figures_as_charts_without_inline_code(
    client, facility_admin, facility, decided
):
    client.force_login(facility_admin)
    html = _report(client, facility).content.decode()
    assert re.search(r'data-testid="kpi-received">5<', html)
    assert re.search(r'data-testid="kpi-approved">3<', html)
    assert re.search(r'data-testid="kpi-rejected">1<', html)
    assert html.count("<svg") == 5
    assert "Against policy: 1" in html  # the rejection chart names the reason
    # Strict CSP: nothing inline for the browser to refuse.
    assert "style=" not in html
    assert "<script" not in html.split("</header>", 1)[-1]
    assert not re.search(r"\son[a-z]+=", html)


@pytest.mark.parametrize("period", ["day", "week", "month"])
def test_csv_has_the_same_figures(client, facility_admin, facility, decided, period):
    client.force_login(facility_admin)
    response = _report(client, facility, format="csv", period=period)
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert sum(int(r["received"]) for r in rows) == 5
    assert sum(int(r["approved"]) for r in rows) == 3
    assert sum(int(r["rejected_policy"]) for r in rows) == 1
    assert sum(int(r["revenue_cents"]) for r in rows) == 300


def test_nonsense_dates_do_not_break_the_page(client, facility_admin, facility):
    client.force_login(facility_admin)
    html = _report(
        client, facility, since="2026-02-30", until="soon", period="year"
    ).content.decode()
    assert "<svg" in html
    later = _report(client, facility, since="2026-05-01", until="2026-04-01").content.decode()
    assert "The end is before the start" in later


def test_the_agency_scope_is_for_agency_wide_investigators_only(
    client, facility, facility_admin, decided
):
    sister = FacilityFactory(agency=facility.agency)
    there = PhotoFactory(
        connection=ConnectionFactory(inmate=InmateFactory(facility=sister)), credits=100
    )
    reports_refresh()
    assert there.facility == sister
    client.force_login(facility_admin)
    html = _report(client, facility, scope="agency").content.decode()
    assert re.search(r'data-testid="kpi-received">5<', html)  # still only their facility
    agency_eye = UserFactory()
    AgencyMembership.objects.create(user=agency_eye, agency=facility.agency)
    client.force_login(agency_eye)
    html = _report(client, facility, scope="agency").content.decode()
    assert re.search(r'data-testid="kpi-received">6<', html)


def test_reviewers_do_not_see_reports(client, reviewer, facility):
    client.force_login(reviewer)
    assert client.get(reverse("console:reports", args=[facility.code])).status_code == 404


@pytest.mark.parametrize("days", [30, 700])
def test_the_page_costs_the_same_queries_for_a_month_or_two_years(
    client, facility_admin, facility, decided, django_assert_num_queries, days
):
    client.force_login(facility_admin)
    since = (timezone.now() - timedelta(days=days)).date().isoformat()
    with django_assert_num_queries(5):
        _report(client, facility, since=since)
