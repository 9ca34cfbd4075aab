"""Investigations: search a facility's (or an agency's) photos, read one photo's whole story, and
export a case. Read-only for the investigator: nothing here decides anything; the export is
recorded in the audit trail by its service."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.contrib import messages
from django.http import FileResponse, HttpResponse, QueryDict
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from kinframe.facilities.models import Facility
from kinframe.investigations.exports import CaseExportError, case_export
from kinframe.investigations.selectors import photo_search, photo_story

from ..access import INVESTIGATION_ROLES, ConsoleRequest, console_view, is_agency_wide
from ..reading_forms import PhotoSearchForm
from ..selectors import facility_photo
from .common import paginate, query_without_page

PER_PAGE = 50


def _facilities(request: ConsoleRequest, scope: str) -> list[Facility]:
    """The facilities searched: this one, or every facility of its agency for an agency-wide
    investigator (or an operator) who asks for the agency."""
    facility = request.console.facility
    if scope == "agency" and is_agency_wide(request.console.membership):
        return list(Facility.objects.filter(agency=facility.agency_id).select_related("agency"))
    return [facility]


@console_view(roles=INVESTIGATION_ROLES)
@require_GET
def search(request: ConsoleRequest) -> HttpResponse:
    facility = request.console.facility
    scope = request.GET.get("scope", "facility")
    facilities = _facilities(request, scope)
    reasons = {r.code: r for f in facilities for r in f.rejection_reasons.all()}.values()
    form = PhotoSearchForm(request.GET or None, reasons=reasons)
    page = None
    if form.is_valid() and any(v for k, v in form.cleaned_data.items()):
        data = form.cleaned_data
        photos = photo_search(facilities=facilities, tz=_tz(facility), **data)
        page = paginate(request, photos, PER_PAGE)
    return render(
        request,
        "console/investigations.html",
        {
            "form": form,
            "page": page,
            "query": query_without_page(request),
            "scope": "agency" if len(facilities) > 1 else "facility",
            "agency_wide": is_agency_wide(request.console.membership),
        },
    )


def _tz(facility: Facility) -> ZoneInfo:
    return ZoneInfo(facility.time_zone)


@console_view(roles=INVESTIGATION_ROLES)
@require_GET
def story(request: ConsoleRequest, public_id) -> HttpResponse:
    photo = facility_photo(facility=request.console.facility, public_id=public_id)
    return render(
        request, "console/photo_story.html", {"photo": photo, "story": photo_story(photo=photo)}
    )


@console_view(roles=INVESTIGATION_ROLES)
@require_POST
def export(request: ConsoleRequest) -> HttpResponseBase:
    facilities = _facilities(request, request.POST.get("scope", "facility"))
    try:
        exported = case_export(
            actor=request.console.actor,
            facilities=facilities,
            photo_ids=request.POST.getlist("photo"),
            case=request.POST.get("case", "").strip()[:100],
        )
    except CaseExportError as error:
        messages.error(request, str(error))
        # ``back`` is the search's query string; only a query string, never a place to go.
        back = QueryDict(request.POST.get("back", "")).urlencode()
        url = reverse("console:investigations", args=[request.console.facility.code])
        return redirect(f"{url}?{back}" if back else url)
    return FileResponse(
        exported.file,
        as_attachment=True,
        filename=exported.filename,
        content_type="application/zip",
    )
