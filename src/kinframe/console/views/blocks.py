"""Blocks and suspensions: facility admins set and lift them; investigators read them.

The forms here only parse what the admin typed; ``restrictions.services`` decides, refunds and
audits. A block of another facility (or another agency's order) is a 404, like anything else that
is not the caller's.
"""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime, time

from django import forms
from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from kinframe.accounts.models import User
from kinframe.facilities.models import Facility, Inmate
from kinframe.restrictions.models import Block, Suspension
from kinframe.restrictions.selectors import blocks_for_facility, suspensions_for_facility
from kinframe.restrictions.services import (
    RestrictionError,
    block_create,
    block_end,
    suspension_create,
    suspension_end,
)

from ..access import RESTRICTION_ROLES, RESTRICTION_VIEW_ROLES, ConsoleRequest, console_view


def start_of_day(day: date | None, facility: Facility) -> datetime | None:
    """A date the admin picked, as the first moment of that day at the facility."""
    if day is None:
        return None
    return datetime.combine(day, time.min, tzinfo=zoneinfo.ZoneInfo(facility.time_zone))


def find_sender(text: str) -> User | None:
    """The sender an admin named by username, email or mobile number (exact), or None."""
    text = (text or "").strip()
    if not text:
        return None
    found = list(
        User.objects.filter(
            Q(username__iexact=text) | Q(email__iexact=text) | Q(phone=text),
            is_superuser=False,
            staff_memberships__isnull=True,
        )[:2]
    )
    return found[0] if len(found) == 1 else None


class BlockForm(forms.Form):
    sender = forms.CharField(
        label=_("Sender (username, email or mobile number)"), max_length=254, strip=True
    )
    scope = forms.ChoiceField(label=_("Block them from"), choices=Block.Scope.choices)
    inmate = forms.CharField(
        label=_("Inmate number (when blocking from one person)"), max_length=32, required=False
    )
    reason = forms.CharField(
        label=_("Reason (staff only; the sender never sees it)"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    ends_on = forms.DateField(
        label=_("Ends on (optional)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class SuspensionForm(forms.Form):
    inmate = forms.CharField(label=_("Inmate number"), max_length=32)
    reason = forms.CharField(
        label=_("Reason (staff only)"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    ends_on = forms.DateField(
        label=_("Photos resume on"), widget=forms.DateInput(attrs={"type": "date"})
    )


def _held_here(facility: Facility, number: str) -> Inmate | None:
    number = (number or "").strip()
    if not number:
        return None
    return Inmate.objects.filter(facility=facility, number__iexact=number).first()


def _page(request: ConsoleRequest, *, block_form=None, suspension_form=None, status=200):
    facility = request.console.facility
    context = {
        "blocks": list(blocks_for_facility(facility=facility)[:200]),
        "suspensions": list(suspensions_for_facility(facility=facility)[:200]),
        "block_form": block_form or BlockForm(initial=request.GET.dict() or None),
        "suspension_form": suspension_form or SuspensionForm(),
    }
    return TemplateResponse(request, "console/blocks.html", context, status=status)


@console_view(roles=RESTRICTION_VIEW_ROLES)
@require_GET
def blocks(request: ConsoleRequest) -> HttpResponse:
    """Every block and suspension set here, and the agency's no-contact orders."""
    return _page(request)


@console_view(roles=RESTRICTION_ROLES)
@require_POST
def block_new(request: ConsoleRequest) -> HttpResponse:
    facility = request.console.facility
    form = BlockForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        sender = find_sender(data["sender"])
        inmate = _held_here(facility, data["inmate"])
        if sender is None:
            form.add_error("sender", _("No single sender has that username, email or number."))
        elif data["scope"] == Block.Scope.PERSON and inmate is None:
            form.add_error("inmate", _("Nobody held here has that inmate number."))
        else:
            try:
                block_create(
                    actor=request.console.actor,
                    facility=facility,
                    sender=sender,
                    scope=data["scope"],
                    inmate=inmate,
                    reason=data["reason"],
                    ends_at=start_of_day(data["ends_on"], facility),
                )
            except RestrictionError as error:
                form.add_error(None, str(error))
            else:
                messages.success(
                    request, _("%(sender)s is blocked.") % {"sender": sender.get_username()}
                )
                return redirect("console:blocks", facility.code)
    return _page(request, block_form=form, status=400)


@console_view(roles=RESTRICTION_ROLES)
@require_POST
def block_end_view(request: ConsoleRequest, block_id: int) -> HttpResponse:
    facility = request.console.facility
    block = Block.objects.filter(pk=block_id, facility=facility).first()
    if block is None:
        raise Http404("No such block.")
    block_end(actor=request.console.actor, block=block)
    messages.success(request, _("The block is lifted."))
    return redirect("console:blocks", facility.code)


@console_view(roles=RESTRICTION_ROLES)
@require_POST
def suspension_new(request: ConsoleRequest) -> HttpResponse:
    facility = request.console.facility
    form = SuspensionForm(request.POST)
    if form.is_valid():
        inmate = _held_here(facility, form.cleaned_data["inmate"])
        if inmate is None:
            form.add_error("inmate", _("Nobody held here has that inmate number."))
        else:
            try:
                suspension_create(
                    actor=request.console.actor,
                    inmate=inmate,
                    reason=form.cleaned_data["reason"],
                    ends_at=start_of_day(form.cleaned_data["ends_on"], facility),  # type: ignore[arg-type]
                )
            except RestrictionError as error:
                form.add_error(None, str(error))
            else:
                messages.success(
                    request, _("Photos to %(name)s are suspended.") % {"name": inmate.full_name}
                )
                return redirect("console:blocks", facility.code)
    return _page(request, suspension_form=form, status=400)


@console_view(roles=RESTRICTION_ROLES)
@require_POST
def suspension_end_view(request: ConsoleRequest, suspension_id: int) -> HttpResponse:
    facility = request.console.facility
    suspension = Suspension.objects.filter(pk=suspension_id, facility=facility).first()
    if suspension is None:
        raise Http404("No such suspension.")
    suspension_end(actor=request.console.actor, suspension=suspension)
    messages.success(request, _("The suspension is lifted."))
    return redirect("console:blocks", facility.code)
