"""Staff, for facility admins: who works here, who has a second factor, and enrolment links;
adding colleagues by email, changing their role and removing them (only at this facility).

A staff member sets up a second factor only through a one-time link (``accounts.mfa``). The facility
admin issues it here and hands it over in person or by message; the page shows it once, and the
response is never cached (``kinframe.headers``).
"""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from django import forms
from django.contrib import messages
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from kinframe.accounts.mfa import SECOND_FACTOR_TYPES
from kinframe.accounts.services import (
    EnrolmentLinkError,
    StaffChangeError,
    enrolment_link_issue,
    staff_member_add,
    staff_member_change_role,
    staff_member_remove,
)
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


class StaffAddForm(forms.Form):
    email = forms.EmailField(label=_("Email"))
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.REVIEWER)


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


def _staff_page(
    request: ConsoleRequest, *, issued=None, error="", status=200, form=None
) -> HttpResponse:
    context = {
        "members": facility_staff(request),
        "issued": issued,
        "error": error,
        "add_form": form or StaffAddForm(),
        "roles": Role.choices,
    }
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


def _member(request: ConsoleRequest, member_id: int) -> StaffMembership:
    return get_object_or_404(
        StaffMembership.objects.select_related("user"),
        pk=member_id,
        facility=request.console.facility,
    )


@console_view(roles=(Role.ADMIN,))
@require_POST
def staff_add(request: ConsoleRequest) -> HttpResponse:
    """Add a colleague by email (an account is created for a new address)."""
    form = StaffAddForm(request.POST)
    if form.is_valid():
        try:
            member = staff_member_add(
                actor=request.console.actor,
                facility=request.console.facility,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
            )
        except StaffChangeError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                gettext("%(username)s now works here.") % {"username": member.user.get_username()},
            )
            return redirect("console:staff", request.console.facility.code)
    return _staff_page(request, form=form, status=400)


@console_view(roles=(Role.ADMIN,))
@require_POST
def staff_role(request: ConsoleRequest, member_id: int) -> HttpResponse:
    member = _member(request, member_id)
    form = RoleForm(request.POST)
    if not form.is_valid():
        return _staff_page(request, error=gettext("Choose a role."), status=400)
    try:
        staff_member_change_role(
            actor=request.console.actor,
            facility=request.console.facility,
            member=member,
            role=form.cleaned_data["role"],
        )
    except StaffChangeError as error:
        return _staff_page(request, error=str(error), status=400)
    messages.success(
        request,
        gettext("%(username)s's role is changed.") % {"username": member.user.get_username()},
    )
    return redirect("console:staff", request.console.facility.code)


@console_view(roles=(Role.ADMIN,))
@require_POST
def staff_remove(request: ConsoleRequest, member_id: int) -> HttpResponse:
    member = _member(request, member_id)
    try:
        staff_member_remove(
            actor=request.console.actor, facility=request.console.facility, member=member
        )
    except StaffChangeError as error:
        return _staff_page(request, error=str(error), status=400)
    messages.success(
        request,
        gettext("%(username)s no longer works here.") % {"username": member.user.get_username()},
    )
    return redirect("console:staff", request.console.facility.code)
