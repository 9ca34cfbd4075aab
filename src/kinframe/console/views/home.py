"""The console's front page: where the signed-in staff member works, and what is waiting."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from kinframe.facilities.models import StaffMembership

from ..access import staff_required
from ..selectors import staff_facilities


@staff_required
def home(request: HttpRequest) -> HttpResponse:
    facilities = list(staff_facilities(user=request.user))
    for facility in facilities:  # staff_role is annotated by the selector
        role = StaffMembership.Role(facility.staff_role)  # type: ignore[attr-defined]
        facility.role_label = role.label  # type: ignore[attr-defined]
    return render(request, "console/home.html", {"facilities": facilities})
