"""Report figures equal what counting the raw rows gives, however the days are grouped."""

from __future__ import annotations

import random
import zoneinfo
from collections import Counter
from datetime import date, datetime, timedelta
from decimal import Decimal
from math import ceil

import pytest
import time_machine
from django.core.management import call_command
from hypothesis import given, settings
from hypothesis import strategies as st

from kinframe.audit.services import audit_log
from kinframe.facilities.models import RejectionReason
from kinframe.photos.models import Photo
from kinframe.reports.models import FacilityDay
from kinframe.reports.selectors import facilities_report, percentile
from kinframe.reports.services import reports_refresh
from tests.actors import as_staff
from tests.factories import (
    ConnectionFactory,
    FacilityFactory,
    InmateFactory,
    PhotoFactory,
    StaffFactory,
)

pytestmark = pytest.mark.django_db

TZ = zoneinfo.ZoneInfo("America/Chicago")
NOW = datetime(2026, 3, 31, 18, 0, tzinfo=TZ)


def _history(facility, reviewer, rng_seed: int = 3) -> None:
    """Forty-odd photos over March at ``facility``: approved, rejected for two reasons, waiting."""
    rng = random.Random(rng_seed)
    spam = RejectionReason.objects.create(
        facility=facility, code="spam", label="Spam", sender_message="No."
    )
    reasons = [facility.rejection_reasons.get(code="policy"), spam]
    connection = ConnectionFactory(inmate=InmateFactory(facility=facility))
    for n in range(45):
        sent = datetime(2026, 3, 1, 0, 30, tzinfo=TZ) + timedelta(hours=rng.randint(0, 30 * 24))
        status = rng.choice([Photo.Status.APPROVED] * 3 + [Photo.Status.REJECTED, "pending"])
        photo = PhotoFactory(
            connection=connection,
            created_at=sent,
            status=Photo.Status.PENDING_REVIEW if status == "pending" else status,
            price=100 + 25 * (n % 3),
            files=False,
        )
        Photo.objects.filter(pk=photo.pk).update(created_at=sent)
        if status != "pending":
            decided = sent + timedelta(minutes=rng.randint(5, 3000))
            Photo.objects.filter(pk=photo.pk).update(
                reviewed_at=min(decided, NOW - timedelta(minutes=1)),
                reviewed_by=reviewer,
                rejection_reason=rng.choice(reasons) if status == Photo.Status.REJECTED else None,
            )
    # Appeals and reversals are audit events on the photo.
    with time_machine.travel(datetime(2026, 3, 20, 12, tzinfo=TZ), tick=False):
        some = Photo.objects.filter(facility=facility, status=Photo.Status.REJECTED)[:2]
        for photo in some:
            audit_log("photo.appealed", actor=as_staff(reviewer), target=photo)
        audit_log("photo.decision_reversed", actor=as_staff(reviewer), target=some[0])


def _raw(facility, start: date, end: date) -> dict:
    """The figures counted straight from the photos, without the reports app."""
    begin = datetime.combine(start, datetime.min.time(), tzinfo=TZ)
    finish = datetime.combine(end + timedelta(days=1), datetime.min.time(), tzinfo=TZ)
    photos = Photo.objects.filter(facility=facility)
    decided = list(
        photos.filter(reviewed_at__gte=begin, reviewed_at__lt=finish).select_related(
            "rejection_reason"
        )
    )
    approved = [p for p in decided if p.status == Photo.Status.APPROVED]
    minutes = sorted(int((p.reviewed_at - p.created_at).total_seconds() // 60) for p in decided)
    revenue = sum(p.price for p in approved)
    return {
        "received": photos.filter(created_at__gte=begin, created_at__lt=finish).count(),
        "approved": len(approved),
        "rejected": len(decided) - len(approved),
        "by_reason": Counter(
            p.rejection_reason.code for p in decided if p.status == Photo.Status.REJECTED
        ),
        "median": minutes[ceil(0.5 * len(minutes)) - 1] if minutes else None,
        "p95": minutes[ceil(0.95 * len(minutes)) - 1] if minutes else None,
        "revenue": revenue,
        "commission": int(revenue * facility.commission_percent // 100),
    }


@pytest.fixture
def march(db):
    facility = FacilityFactory(time_zone="America/Chicago", commission_percent=Decimal("12.5"))
    reviewer = StaffFactory(facility=facility)
    _history(facility, reviewer)
    with time_machine.travel(NOW, tick=False):
        reports_refresh(days=None)
    return facility


@pytest.mark.parametrize("period", ["day", "week", "month"])
def test_report_figures_equal_counts_from_the_raw_rows(march, period):
    report = facilities_report(
        facilities=[march], period=period, start=date(2026, 3, 1), end=date(2026, 3, 31)
    )
    for bucket in report.periods:
        start = max(bucket.start, date(2026, 3, 1))
        if period == "day":
            end = bucket.start
        elif period == "week":
            end = min(bucket.start + timedelta(days=6), date(2026, 3, 31))
        else:
            end = date(2026, 3, 31)
        raw = _raw(march, start, end)
        assert bucket.received == raw["received"], bucket.start
        assert bucket.approved == raw["approved"]
        assert bucket.rejected == raw["rejected"]
        assert bucket.rejected_by_reason == raw["by_reason"]
        assert bucket.median_minutes == raw["median"]
        assert bucket.p95_minutes == raw["p95"]
        assert bucket.revenue == raw["revenue"]
    total = _raw(march, date(2026, 3, 1), date(2026, 3, 31))
    assert report.total.received == total["received"] == 45
    assert report.total.commission <= total["commission"] + len(report.periods)  # per-day floors
    assert report.total.appeals == 2
    assert report.total.reversals == 1


def test_commission_is_the_facilitys_percentage_of_each_days_revenue(march):
    for row in FacilityDay.objects.filter(facility=march):
        assert row.commission == int(row.revenue * Decimal("12.5") / 100)


def test_an_agency_report_adds_its_facilities_up(march):
    sister = FacilityFactory(agency=march.agency, time_zone="America/Chicago")
    _history(sister, StaffFactory(facility=sister), rng_seed=9)
    with time_machine.travel(NOW, tick=False):
        reports_refresh(days=None)
    both = facilities_report(
        facilities=[march, sister], period="month", start=date(2026, 3, 1), end=date(2026, 3, 31)
    )
    assert both.total.received == 90
    assert both.total.approved == (
        _raw(march, date(2026, 3, 1), date(2026, 3, 31))["approved"]
        + _raw(sister, date(2026, 3, 1), date(2026, 3, 31))["approved"]
    )


def test_refreshing_again_changes_nothing_and_a_decision_shows_after_the_next_refresh(march):
    before = list(FacilityDay.objects.values_list("day", "received", "approved", "rejected"))
    with time_machine.travel(NOW, tick=False):
        call_command("refresh_reports", "--all")
    assert (
        list(FacilityDay.objects.values_list("day", "received", "approved", "rejected")) == before
    )
    waiting = Photo.objects.filter(facility=march, status=Photo.Status.PENDING_REVIEW).first()
    Photo.objects.filter(pk=waiting.pk).update(
        status=Photo.Status.APPROVED, reviewed_at=NOW - timedelta(minutes=5)
    )
    with time_machine.travel(NOW, tick=False):
        call_command("refresh_reports")  # nightly: the last three days
    today = FacilityDay.objects.get(facility=march, day=date(2026, 3, 31))
    assert today.approved == _raw(march, date(2026, 3, 31), date(2026, 3, 31))["approved"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=5000), min_size=1, max_size=200))
def test_percentiles_from_the_histogram_equal_nearest_rank_on_the_sorted_times(minutes):
    ordered = sorted(minutes)
    histogram = Counter(minutes)
    assert percentile(histogram, 0.5) == ordered[ceil(0.5 * len(ordered)) - 1]
    assert percentile(histogram, 0.95) == ordered[ceil(0.95 * len(ordered)) - 1]
