"""The facility's audit trail, for investigators and facility admins."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from ..access import AUDIT_ROLES, staff_facility, staff_required
from ..selectors import facility_audit_events
from .common import paginate, render_console

PER_PAGE = 50


@staff_required
def audit(request: HttpRequest, code: str) -> HttpResponse:
    facility, membership = staff_facility(request, code, roles=AUDIT_ROLES)
    return render_console(
        request,
        "console/audit.html",
        facility=facility,
        membership=membership,
        page=paginate(request, facility_audit_events(facility=facility), PER_PAGE),
    )
