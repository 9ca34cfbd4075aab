"""Reading the daily figures as days, weeks or months, for one facility or several.

Everything here reads ``FacilityDay`` rows only. Weeks start on Monday; a period is labelled by its
first day. Percentiles use the nearest-rank method over whole minutes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from math import ceil

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from kinframe.facilities.models import Facility

from .models import FacilityDay

PERIODS = ("day", "week", "month")
#: What the report pages call each period.
PERIOD_NAMES = {"day": _("Day"), "week": _("Week"), "month": _("Month")}


def period_start(day: date, period: str) -> date:
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    return day


def next_period(start: date, period: str) -> date:
    if period == "week":
        return start + timedelta(days=7)
    if period == "month":
        return (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    return start + timedelta(days=1)


def percentile(histogram: Counter, fraction: float) -> int | None:
    """The nearest-rank percentile of a {minutes: count} histogram; None when it is empty."""
    total = sum(histogram.values())
    if not total:
        return None
    rank = max(1, ceil(fraction * total))
    seen = 0
    for minutes in sorted(histogram):
        seen += histogram[minutes]
        if seen >= rank:
            return minutes
    return None  # pragma: no cover - rank <= total


@dataclass
class ReportPeriod:
    start: date
    received: int = 0
    approved: int = 0
    rejected: int = 0
    rejected_by_reason: Counter = field(default_factory=Counter)
    review_minutes: Counter = field(default_factory=Counter)
    appeals: int = 0
    reversals: int = 0
    revenue: int = 0
    commission: int = 0

    def add(self, row: FacilityDay) -> None:
        self.received += row.received
        self.approved += row.approved
        self.rejected += row.rejected
        self.rejected_by_reason.update(row.rejected_by_reason)
        self.review_minutes.update({int(m): n for m, n in row.review_minutes.items()})
        self.appeals += row.appeals
        self.reversals += row.reversals
        self.revenue += row.revenue
        self.commission += row.commission

    @property
    def median_minutes(self) -> int | None:
        return percentile(self.review_minutes, 0.5)

    @property
    def p95_minutes(self) -> int | None:
        return percentile(self.review_minutes, 0.95)

    @property
    def within_target(self) -> int:
        target = review_target_minutes()
        return sum(n for m, n in self.review_minutes.items() if m <= target)

    @property
    def decided(self) -> int:
        return self.approved + self.rejected


def review_target_minutes() -> int:
    return settings.REVIEW_TARGET_HOURS * 60


@dataclass
class Report:
    facilities: Sequence[Facility]
    period: str
    start: date
    end: date
    periods: list[ReportPeriod]
    total: ReportPeriod
    refreshed_at: object = None

    @property
    def reason_labels(self) -> dict[str, str]:
        labels: dict[str, str] = {}
        for facility in self.facilities:
            for reason in facility.rejection_reasons.all():
                labels.setdefault(reason.code, reason.label)
        return labels


def facilities_report(
    *, facilities: Iterable[Facility], period: str, start: date, end: date
) -> Report:
    """The figures of ``facilities`` added together, one entry per period from ``start`` to
    ``end`` (periods with nothing in them are zeros), plus the whole range's total."""
    facilities = list(facilities)
    first = period_start(start, period)
    buckets: dict[date, ReportPeriod] = {}
    cursor = first
    while cursor <= end:
        buckets[cursor] = ReportPeriod(start=cursor)
        cursor = next_period(cursor, period)
    total = ReportPeriod(start=first)
    rows = FacilityDay.objects.filter(facility__in=facilities, day__gte=first, day__lte=end)
    refreshed_at = None
    for row in rows.order_by():
        buckets[period_start(row.day, period)].add(row)
        total.add(row)
        refreshed_at = (
            row.refreshed_at if refreshed_at is None else min(refreshed_at, row.refreshed_at)
        )
    return Report(
        facilities=facilities,
        period=period,
        start=first,
        end=end,
        periods=list(buckets.values()),
        total=total,
        refreshed_at=refreshed_at,
    )
