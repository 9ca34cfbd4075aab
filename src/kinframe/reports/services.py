"""Keeping the daily figures: ``reports_refresh`` recomputes a facility's days from the raw rows.

The worker's nightly maintenance runs ``kinframe refresh_reports`` (the last few days, since a
photo sent late yesterday may be decided today) and anyone may run it on demand, for a range or for
everything (``--all``). Recomputing a day replaces its row, so running it twice changes nothing.
It writes no audit event: the figures are derived from rows that were audited when they changed.
"""

from __future__ import annotations

import zoneinfo
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_DOWN, Decimal

from django.db import transaction
from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone

from kinframe.audit.models import AuditEvent
from kinframe.facilities.models import Facility
from kinframe.photos.models import Photo

from .models import FacilityDay

# Appeals and reversals are recorded by the appeals work as audit events on the photo; these are
# the actions counted. A new action name is added here, nowhere else.
APPEAL_ACTIONS = ("photo.appealed",)
REVERSAL_ACTIONS = ("photo.decision_reversed",)


@dataclass
class _Tally:
    received: int = 0
    approved: int = 0
    rejected: int = 0
    rejected_by_reason: Counter = field(default_factory=Counter)
    review_minutes: Counter = field(default_factory=Counter)
    appeals: int = 0
    reversals: int = 0
    revenue: int = 0

    def is_empty(self) -> bool:
        return not (self.received or self.approved or self.rejected or self.appeals)


def commission_of(revenue: int, percent: Decimal) -> int:
    """The facility's share in whole credits, rounded down (the operator never pays a fraction)."""
    return int((Decimal(revenue) * percent / 100).to_integral_value(rounding=ROUND_DOWN))


def local_bounds(facility: Facility, start: date, end: date) -> tuple[datetime, datetime]:
    """The instants at which ``start`` begins and the day after ``end`` begins, at the facility."""
    tz = zoneinfo.ZoneInfo(facility.time_zone)
    return (
        datetime.combine(start, time.min, tzinfo=tz),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz),
    )


def _tally(facility: Facility, start: date, end: date) -> dict[date, _Tally]:
    tz = zoneinfo.ZoneInfo(facility.time_zone)
    begin, finish = local_bounds(facility, start, end)
    days: dict[date, _Tally] = defaultdict(_Tally)
    received = (
        Photo.objects.filter(facility=facility, created_at__gte=begin, created_at__lt=finish)
        .annotate(day=TruncDate("created_at", tzinfo=tz))
        .order_by()
        .values("day")
        .annotate(n=Count("id"))
    )
    for row in received:
        days[row["day"]].received = row["n"]
    decided = Photo.objects.filter(
        facility=facility,
        reviewed_at__gte=begin,
        reviewed_at__lt=finish,
        status__in=(Photo.Status.APPROVED, Photo.Status.REJECTED),
    ).values_list("status", "created_at", "reviewed_at", "price", "rejection_reason__code")
    for status, created_at, reviewed_at, price, reason in decided.iterator(chunk_size=5000):
        assert reviewed_at is not None  # filtered on above
        tally = days[reviewed_at.astimezone(tz).date()]
        tally.review_minutes[int((reviewed_at - created_at).total_seconds() // 60)] += 1
        if status == Photo.Status.APPROVED:
            tally.approved += 1
            tally.revenue += price
        else:
            tally.rejected += 1
            tally.rejected_by_reason[reason or "unknown"] += 1
    events = AuditEvent.objects.filter(
        facility=facility,
        created_at__gte=begin,
        created_at__lt=finish,
        action__in=APPEAL_ACTIONS + REVERSAL_ACTIONS,
    ).values_list("action", "created_at")
    for action, created_at in events.iterator(chunk_size=5000):
        tally = days[created_at.astimezone(tz).date()]
        if action in APPEAL_ACTIONS:
            tally.appeals += 1
        else:
            tally.reversals += 1
    return days


@transaction.atomic
def reports_refresh_facility(*, facility: Facility, start: date, end: date) -> int:
    """Recompute ``facility``'s days from ``start`` to ``end`` (inclusive); returns rows written.

    Days with nothing to count keep no row; the report fills them with zeros.
    """
    facility = Facility.objects.select_for_update().get(pk=facility.pk)
    tallies = _tally(facility, start, end)
    now = timezone.now()
    rows = [
        FacilityDay(
            facility=facility,
            day=day,
            received=t.received,
            approved=t.approved,
            rejected=t.rejected,
            rejected_by_reason=dict(sorted(t.rejected_by_reason.items())),
            review_minutes={str(m): n for m, n in sorted(t.review_minutes.items())},
            appeals=t.appeals,
            reversals=t.reversals,
            revenue=t.revenue,
            commission=commission_of(t.revenue, facility.commission_percent),
            refreshed_at=now,
        )
        for day, t in sorted(tallies.items())
        if not t.is_empty() and start <= day <= end
    ]
    FacilityDay.objects.filter(facility=facility, day__gte=start, day__lte=end).delete()
    FacilityDay.objects.bulk_create(rows, batch_size=500)
    return len(rows)


def first_photo_day(facility: Facility) -> date | None:
    first = Photo.objects.filter(facility=facility).order_by("created_at").first()
    if first is None:
        return None
    return first.created_at.astimezone(zoneinfo.ZoneInfo(facility.time_zone)).date()


def reports_refresh(
    *, facilities=None, days: int | None = 3, since: date | None = None
) -> dict[str, int]:
    """Refresh every facility (or ``facilities``) for the last ``days`` days up to today, from
    ``since``, or from its first photo when both are None. Returns rows written per facility code.
    """
    written = {}
    for facility in facilities if facilities is not None else Facility.objects.all():
        today = timezone.now().astimezone(zoneinfo.ZoneInfo(facility.time_zone)).date()
        start = since
        if start is None and days is not None:
            start = today - timedelta(days=days - 1)
        if start is None:
            start = first_photo_day(facility)
            if start is None:
                written[facility.code] = 0
                continue
        written[facility.code] = reports_refresh_facility(facility=facility, start=start, end=today)
    return written
