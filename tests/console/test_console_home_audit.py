"""The console's front page and the facility audit trail."""

from __future__ import annotations

import pytest
from django.urls import reverse
from tests.actors import as_staff
from tests.factories import ConnectionFactory, FacilityFactory, InmateFactory, PhotoFactory

from kinframe.audit.services import audit_log
from kinframe.facilities.models import StaffMembership
from kinframe.photos.models import Photo

pytestmark = pytest.mark.django_db


def test_home_lists_my_facilities_with_the_photos_waiting(
    client, reviewer, facility, connection_, other_facility, other_photo
):
    PhotoFactory(connection=connection_, credits=1000)
    PhotoFactory(connection=connection_, charged=True)
    PhotoFactory(connection=connection_, charged=True, status=Photo.Status.APPROVED)
    StaffMembership.objects.create(
        user=reviewer, facility=other_facility, role=StaffMembership.Role.INVESTIGATOR
    )
    client.force_login(reviewer)
    html = client.get(reverse("console:home")).content.decode()
    assert html.count('data-testid="console-facility-row"') == 2
    assert "2 waiting for review" in html
    assert "1 waiting for review" in html  # the other facility's one photo
    assert "Investigator" in html


def test_home_does_not_show_facilities_i_do_not_work_at(client, reviewer, other_facility):
    client.force_login(reviewer)
    html = client.get(reverse("console:home")).content.decode()
    assert other_facility.name not in html
    assert html.count('data-testid="console-facility-row"') == 1


def test_an_operator_sees_every_facility(client, operator, facility, other_facility):
    client.force_login(operator)
    html = client.get(reverse("console:home")).content.decode()
    assert facility.name in html
    assert other_facility.name in html


def test_audit_shows_this_facilitys_events_newest_first(
    client, investigator, facility, other_facility
):
    audit_log("test.first", actor=as_staff(investigator), facility=facility)
    audit_log("test.second", actor=as_staff(investigator), facility=facility)
    audit_log("test.elsewhere", actor=as_staff(investigator), facility=other_facility)
    client.force_login(investigator)
    response = client.get(reverse("console:audit", args=[facility.code]))
    html = response.content.decode()
    assert html.index("test.second") < html.index("test.first")
    assert "test.elsewhere" not in html
    assert investigator.username in html


@pytest.mark.parametrize("count", [2, 10])
def test_audit_query_count_does_not_grow(
    client, investigator, facility, django_assert_num_queries, count
):
    for n in range(count):
        audit_log(f"test.event{n}", actor=as_staff(investigator), facility=facility)
    client.force_login(investigator)
    with django_assert_num_queries(4):  # keyset pages: no COUNT
        response = client.get(reverse("console:audit", args=[facility.code]))
    assert response.content.decode().count('data-testid="audit-row"') == count


@pytest.mark.parametrize("count", [2, 10])
def test_home_query_count_does_not_grow_with_facilities(
    client, reviewer, django_assert_num_queries, count
):
    for _ in range(count - 1):
        facility = FacilityFactory()
        StaffMembership.objects.create(user=reviewer, facility=facility)
        PhotoFactory(
            connection=ConnectionFactory(inmate=InmateFactory(facility=facility)),
            credits=100,
        )
    client.force_login(reviewer)
    with django_assert_num_queries(4):
        response = client.get(reverse("console:home"))
    assert response.content.decode().count('data-testid="console-facility-row"') == count
