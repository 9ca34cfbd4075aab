"""Staff, for facility admins: who works here, who has a second factor, and enrolment links.

A staff member sets up a second factor only through a one-time link (``accounts.mfa``). The facility
admin issues it here and hands it over in person or by message; the page shows it once, and the
response is never cached (``kinframe.headers``).
"""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from kinframe.accounts.mfa import SECOND_FACTOR_TYPES
from kinframe.accounts.services import EnrolmentLinkError, enrolment_link_issue
from kinframe.facilities.models import StaffMembership

from ..access import ConsoleRequest, Role, console_view


def facility_staff(request: ConsoleRequest) -> QuerySet[StaffMembership]:
    """The facility's members with whether each has a second factor, in one query."""
    factors = Authenticator.objects.filter(user=OuterRef("user"), type__in=SECOND_FACTOR_TYPES)
    return (
        StaffMembership.objects.filter(facility=request.console.facility)
        .select_related("user")
        .annotate(has_second_factor=Exists(factors))
        .order_by("user__username")
    )


def _staff_page(request: ConsoleRequest, *, issued=None, error="", status=200) -> HttpResponse:
    context = {"members": facility_staff(request), "issued": issued, "error": error}
    return render(request, "console/staff.html", context, status=status)


@console_view(roles=(Role.ADMIN,))
@require_GET
def staff(request: ConsoleRequest) -> HttpResponse:
    return _staff_page(request)


@console_view(roles=(Role.ADMIN,))
@require_POST
def enrolment_link(request: ConsoleRequest, member_id: int) -> HttpResponse:
    """Issue a second-factor enrolment link for one member and show it once."""
    facility = request.console.facility
    member = get_object_or_404(
        StaffMembership.objects.select_related("user"), pk=member_id, facility=facility
    )
    try:
        link, token = enrolment_link_issue(
            actor=request.console.actor, user=member.user, facility=facility
        )
    except EnrolmentLinkError as error:
        return _staff_page(request, error=str(error), status=400)
    url = request.build_absolute_uri(reverse("mfa_enrolment_link", args=[token]))
    return _staff_page(request, issued={"member": member, "url": url, "link": link})
