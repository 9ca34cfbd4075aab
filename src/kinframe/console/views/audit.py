"""The facility's audit trail, for investigators and facility admins: in words, filtered, in
pages read by keyset, and as CSV."""

from __future__ import annotations

import csv
from collections.abc import Iterator

from django.http import QueryDict, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from kinframe.audit.labels import action_label, detail_label
from kinframe.audit.models import AuditEvent

from ..access import AUDIT_ROLES, ConsoleRequest, console_view
from ..reading_forms import AuditFilterForm, day_bounds
from ..selectors import (
    AuditFilters,
    audit_actor_name,
    audit_target_labels,
    facility_audit_events,
)
from .common import query_without_page

PER_PAGE = 50
CSV_CHUNK = 2000


def _filters(request: ConsoleRequest, form: AuditFilterForm) -> AuditFilters:
    if not form.is_valid():
        return AuditFilters()
    data = form.cleaned_data
    since, until = day_bounds(request.console.facility, data["since"], data["until"])
    return AuditFilters(
        who=data["who"], action=data["action"], since=since, until=until, target=data["target"]
    )


def _cursor(request: ConsoleRequest):
    """The (created_at, id) of the event named by ``before``; nonsense starts from the newest."""
    before = request.GET.get("before", "")
    if not before.isdigit():
        return None
    row = AuditEvent.objects.filter(pk=int(before)).values_list("created_at", "pk").first()
    return tuple(row) if row else None


def _readable(events: list[AuditEvent]) -> list[dict]:
    targets = audit_target_labels(events)
    return [
        {
            "event": event,
            "label": action_label(event.action),
            "who": audit_actor_name(event),
            "on": targets.get((event.target_type, event.target_id), event.target_label),
            "details": [
                (detail_label(key), "—" if value in ("", None, [], {}) else value)
                for key, value in event.data.items()
            ],
        }
        for event in events
    ]


@console_view(roles=AUDIT_ROLES)
@require_GET
def audit(request: ConsoleRequest) -> HttpResponseBase:
    form = AuditFilterForm(request.GET or None)
    filters = _filters(request, form)
    facility = request.console.facility
    if request.GET.get("format") == "csv":
        return _csv(facility, filters)
    events = list(
        facility_audit_events(facility=facility, filters=filters, before=_cursor(request))[
            : PER_PAGE + 1
        ]
    )
    query = query_without_page(request)
    return render(
        request,
        "console/audit.html",
        {
            "form": form,
            "rows": _readable(events[:PER_PAGE]),
            "older": events[PER_PAGE - 1].pk if len(events) > PER_PAGE else None,
            "is_first_page": "before" not in request.GET,
            "filter_query": _without(query, "before"),
        },
    )


def _without(query: str, key: str) -> str:
    params = QueryDict(query, mutable=True)
    params.pop(key, None)
    return params.urlencode()


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_rows(facility, filters: AuditFilters) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(
        ["when", "what", "action", "who", "actor_kind", "about", "details", "ip_address"]
    )
    events = facility_audit_events(facility=facility, filters=filters)
    chunk: list[AuditEvent] = []
    for event in events.iterator(chunk_size=CSV_CHUNK):
        chunk.append(event)
        if len(chunk) == CSV_CHUNK:
            yield from _csv_chunk(writer, chunk)
            chunk = []
    yield from _csv_chunk(writer, chunk)


def _csv_chunk(writer, events: list[AuditEvent]) -> Iterator[str]:
    for row in _readable(events):
        event = row["event"]
        yield writer.writerow(
            [
                event.created_at.isoformat(),
                row["label"],
                event.action,
                row["who"],
                event.actor_kind,
                row["on"],
                "; ".join(f"{key}: {value}" for key, value in row["details"]),
                event.ip_address or "",
            ]
        )


def _csv(facility, filters: AuditFilters) -> StreamingHttpResponse:
    response = StreamingHttpResponse(_csv_rows(facility, filters), content_type="text/csv")
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="audit-{facility.code}-{stamp}.csv"'
    return response
