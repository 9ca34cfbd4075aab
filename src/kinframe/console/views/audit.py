"""The facility's audit trail, for investigators and facility admins."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ..access import AUDIT_ROLES, ConsoleRequest, console_view
from ..selectors import facility_audit_events
from .common import paginate

PER_PAGE = 50


@console_view(roles=AUDIT_ROLES)
@require_GET
def audit(request: ConsoleRequest) -> HttpResponse:
    events = facility_audit_events(facility=request.console.facility)
    return render(request, "console/audit.html", {"page": paginate(request, events, PER_PAGE)})
