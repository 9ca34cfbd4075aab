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
    for facility in facilities:
        facility.role_label = StaffMembership.Role(facility.staff_role).label
    return render(request, "console/home.html", {"facilities": facilities})
