"""Reports: a facility's (or its agency's) photos, decisions, review times, appeals and money by
day, week or month, as SVG charts and CSV. Read from the daily figures ``refresh_reports`` keeps,
so a page reads a few hundred small rows whatever the number of photos."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import dateformat, timezone
from django.utils.translation import gettext, pgettext
from django.views.decorators.http import require_GET

from kinframe.facilities.models import Facility
from kinframe.reports.selectors import (
    PERIOD_NAMES,
    Report,
    facilities_report,
    review_target_minutes,
)

from ..access import REPORT_ROLES, ConsoleRequest, console_view, is_agency_wide
from ..charts import Series, bar_chart, hbar_chart, line_chart
from ..reading_forms import ReportForm

DEFAULT_SPAN = {
    "day": timedelta(days=29),
    "week": timedelta(weeks=11),
    "month": timedelta(days=334),
}
COLORS = {
    "received": "#64748b", "approved": "#15803d", "rejected": "#b91c1c", "median": "#2563eb",
    "p95": "#9333ea", "appeals": "#0891b2", "reversals": "#be185d", "revenue": "#0f766e",
    "commission": "#a16207",
}  # fmt: skip


def _label(start: date, period: str) -> str:
    """A period's name on the charts and the table, with month names in the reader's language."""
    if period == "month":
        return dateformat.format(start, pgettext("report month", "M Y"))
    return dateformat.format(start, pgettext("report day", "M j"))


def _hours(minutes: int | None) -> float | None:
    return None if minutes is None else round(minutes / 60, 1)


def dollars(cents: int) -> str:
    return f"${cents // 100:,}.{cents % 100:02d}"


def _charts(report: Report) -> dict:
    labels = [_label(p.start, report.period) for p in report.periods]
    reasons = report.reason_labels
    periods = report.periods
    return {
        "volume": bar_chart(
            title=gettext("Photos received, approved and rejected"),
            labels=labels,
            series=[
                Series(
                    pgettext("photos", "Received"),
                    COLORS["received"],
                    [p.received for p in periods],
                ),
                Series(
                    pgettext("photos", "Approved"),
                    COLORS["approved"],
                    [p.approved for p in periods],
                ),
                Series(
                    pgettext("photos", "Rejected"),
                    COLORS["rejected"],
                    [p.rejected for p in periods],
                ),
            ],
        ),
        "reasons": hbar_chart(
            title=gettext("Rejections by reason"),
            items=[
                (reasons.get(code, code), n) for code, n in report.total.rejected_by_reason.items()
            ],
            color=COLORS["rejected"],
        ),
        "review": line_chart(
            title=gettext("Review time from sending to decision, in hours"),
            labels=labels,
            series=[
                Series(
                    gettext("Median"), COLORS["median"], [_hours(p.median_minutes) for p in periods]
                ),
                Series(
                    gettext("95th percentile"),
                    COLORS["p95"],
                    [_hours(p.p95_minutes) for p in periods],
                ),
            ],
            unit="h",
            target=review_target_minutes() / 60,
            target_label=gettext("Target (%(hours)s h)") % {"hours": review_target_minutes() // 60},
        ),
        "appeals": bar_chart(
            title=gettext("Appeals and reversals"),
            labels=labels,
            series=[
                Series(gettext("Appeals"), COLORS["appeals"], [p.appeals for p in periods]),
                Series(gettext("Reversals"), COLORS["reversals"], [p.reversals for p in periods]),
            ],
        ),
        "money": bar_chart(
            title=gettext("Revenue and the facility's commission, in dollars"),
            labels=labels,
            series=[
                Series(gettext("Revenue"), COLORS["revenue"], [p.revenue / 100 for p in periods]),
                Series(
                    gettext("Commission"),
                    COLORS["commission"],
                    [p.commission / 100 for p in periods],
                ),
            ],
            integer=False,
        ),
    }


def _csv(report: Report, name: str) -> HttpResponse:
    codes = sorted(report.total.rejected_by_reason) or []
    response = HttpResponse(content_type="text/csv")
    response["Content-Disposition"] = (
        f'attachment; filename="report-{name}-{report.period}-{report.start}-{report.end}.csv"'
    )
    writer = csv.writer(response)
    writer.writerow(
        [
            "period_start", "received", "approved", "rejected",
            *[f"rejected_{code}" for code in codes],
            "median_review_minutes", "p95_review_minutes", "decided_within_target",
            "target_minutes", "appeals", "reversals", "revenue_cents", "commission_cents",
        ]
    )  # fmt: skip
    for p in [*report.periods]:
        writer.writerow(
            [
                p.start.isoformat(), p.received, p.approved, p.rejected,
                *[p.rejected_by_reason.get(code, 0) for code in codes],
                "" if p.median_minutes is None else p.median_minutes,
                "" if p.p95_minutes is None else p.p95_minutes,
                p.within_target, review_target_minutes(), p.appeals, p.reversals,
                p.revenue, p.commission,
            ]
        )  # fmt: skip
    return response


@console_view(roles=REPORT_ROLES)
@require_GET
def reports(request: ConsoleRequest) -> HttpResponse:
    facility = request.console.facility
    agency_wide = is_agency_wide(request.console.membership)
    form = ReportForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    period = data.get("period") or "day"
    today = timezone.now().astimezone(ZoneInfo(facility.time_zone)).date()
    until = data.get("until") or today
    since = data.get("since") or until - DEFAULT_SPAN[period]
    facilities: list[Facility] = [facility]
    scope = "facility"
    if data.get("scope") == "agency" and agency_wide:
        facilities = list(Facility.objects.filter(agency=facility.agency_id))
        scope = "agency"
    report = facilities_report(facilities=facilities, period=period, start=since, end=until)
    if request.GET.get("format") == "csv":
        return _csv(report, facility.agency.slug if scope == "agency" else facility.code)
    total = report.total
    query = request.GET.copy()
    query.pop("format", None)
    return render(
        request,
        "console/reports.html",
        {
            "form": form,
            "report": report,
            "charts": _charts(report),
            "scope": scope,
            "period_label": PERIOD_NAMES[period],
            "agency_wide": agency_wide,
            "labels": [_label(p.start, period) for p in report.periods],
            "rows": [(_label(p.start, period), p) for p in report.periods],
            "total": total,
            "revenue": dollars(total.revenue),
            "commission": dollars(total.commission),
            "median_hours": _hours(total.median_minutes),
            "p95_hours": _hours(total.p95_minutes),
            "target_hours": review_target_minutes() // 60,
            "within_target_percent": round(100 * total.within_target / total.decided)
            if total.decided
            else None,
            "query": query.urlencode(),
        },
    )
