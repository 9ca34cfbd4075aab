"""The audit trail reads as words, filters, pages by keyset and downloads as CSV."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from tests.actors import as_inmate, as_staff

from kinframe.audit.models import AuditEvent
from kinframe.audit.services import audit_log
from kinframe.console.selectors import AuditFilters, facility_audit_events
from kinframe.photos.services import photo_approve, photo_record_view

pytestmark = pytest.mark.django_db


def _audit(client, facility, **query):
    response = client.get(reverse("console:audit", args=[facility.code]), query)
    assert response.status_code == 200
    return response


def test_the_trail_names_people_and_photos_instead_of_ids(
    client, investigator, facility, reviewer, photo
):
    photo_approve(photo=photo, actor=as_staff(reviewer))
    photo_record_view(photo=photo, actor=as_inmate(photo.inmate))
    client.force_login(investigator)
    html = _audit(client, facility).content.decode()
    inmate = photo.inmate
    assert f"Photo to {inmate.full_name} (#{inmate.number}) from {photo.sender.username}" in html
    assert f"{inmate.full_name} (#{inmate.number})" in html  # the viewer
    assert str(photo.public_id) not in html
    assert f"to {inmate.pk} (" not in html
    assert ">Approved<" in html
    assert ">photo.approved<" not in html


def test_filters_narrow_by_who_what_when_and_about(
    client, investigator, facility, reviewer, facility_admin, photo
):
    with time_machine.travel(timezone.now() - timedelta(days=3)):
        audit_log("facility.settings_changed", actor=as_staff(facility_admin), facility=facility)
    photo_approve(photo=photo, actor=as_staff(reviewer))
    client.force_login(investigator)

    def actions(**query) -> list[str]:
        html = _audit(client, facility, **query).content.decode()
        return re.findall(r'data-testid="audit-row" data-action="([^"]+)"', html)

    assert set(actions()) >= {"facility.settings_changed", "photo.approved"}
    assert actions(who=reviewer.username) == ["photo.approved"]
    assert actions(who=reviewer.email.upper()) == ["photo.approved"]
    assert actions(action="facility.settings_changed") == ["facility.settings_changed"]
    assert set(actions(action="photo.")) == {"photo.approved"}
    today = timezone.now().date()
    assert "facility.settings_changed" not in actions(since=(today - timedelta(days=1)).isoformat())
    assert actions(until=(today - timedelta(days=2)).isoformat()) == ["facility.settings_changed"]
    assert set(actions(target=str(photo.public_id))) == {"photo.approved"}
    assert actions(target="nobody-at-all") == []
    assert actions(who="nobody-at-all") == []
    bad = _audit(client, facility, since="yesterday", action="no.such", before="x")
    assert "audit-row" in bad.content.decode()  # nonsense is dropped, the page still answers


def test_pages_follow_one_another_without_gaps_or_repeats(client, investigator, facility):
    actor = as_staff(investigator)
    moment = timezone.now()
    with time_machine.travel(moment, tick=False):  # many events in the same instant
        for n in range(120):
            audit_log(f"test.e{n}", actor=actor, facility=facility)
    client.force_login(investigator)
    seen, query = [], {}
    while True:
        html = _audit(client, facility, **query).content.decode()
        seen += re.findall(r'data-action="(test\.e\d+)"', html)
        older = re.search(r'before=(\d+)" rel="next"', html)
        if not older:
            break
        query = {"before": older.group(1)}
    assert seen == [f"test.e{n}" for n in reversed(range(120))]


def test_the_trail_reads_by_keyset_on_an_index_whatever_the_page(investigator, facility):
    """Guards the query's shape: no OFFSET and no COUNT (both grow with the table), a LIMIT,
    and on SQLite a plan that walks the facility's time index rather than sorting the table."""
    for n in range(3):
        audit_log(f"test.e{n}", actor=as_staff(investigator), facility=facility)
    last = AuditEvent.objects.order_by("id").last()
    cases = [
        AuditFilters(),
        AuditFilters(action="photo.approved"),
        AuditFilters(action="photo."),
        AuditFilters(who=investigator.username),
    ]
    for filters in cases:
        with CaptureQueriesContext(connection) as queries:
            list(
                facility_audit_events(
                    facility=facility, filters=filters, before=(last.created_at, last.pk)
                )[:51]
            )
        sql = queries.captured_queries[-1]["sql"].upper()
        assert "OFFSET" not in sql
        assert "COUNT(" not in sql
        assert "LIMIT 51" in sql
        if connection.vendor == "sqlite":
            qs = facility_audit_events(facility=facility, filters=filters)[:51]
            plan = qs.explain()
            assert "AUDIT_FACILITY_" in plan.upper(), plan
            assert "USE TEMP B-TREE FOR ORDER BY" not in plan.upper(), plan


def test_csv_downloads_the_filtered_trail_in_words(client, investigator, facility, reviewer, photo):
    photo_approve(photo=photo, actor=as_staff(reviewer))
    audit_log("facility.settings_changed", actor=as_staff(investigator), facility=facility)
    client.force_login(investigator)
    response = _audit(client, facility, format="csv", action="photo.")
    assert response["Content-Type"] == "text/csv"
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert {row["action"] for row in rows} == {"photo.approved"}
    assert rows[0]["what"] == "Approved"
    assert rows[0]["who"] == reviewer.username
    assert rows[0]["about"].startswith(f"Photo to {photo.inmate.full_name}")


@pytest.mark.parametrize("count", [3, 30])
def test_the_page_costs_the_same_queries_however_many_events(
    client, investigator, facility, reviewer, connection_, django_assert_num_queries, count
):
    from tests.factories import PhotoFactory

    for _ in range(count):
        photo = PhotoFactory(connection=connection_, credits=100)
        photo_approve(photo=photo, actor=as_staff(reviewer))
    client.force_login(investigator)
    with django_assert_num_queries(5):
        _audit(client, facility)


def test_reviewers_do_not_see_the_trail(client, reviewer, facility):
    client.force_login(reviewer)
    assert client.get(reverse("console:audit", args=[facility.code])).status_code == 404
