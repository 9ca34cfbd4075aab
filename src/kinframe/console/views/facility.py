"""Facility settings, for facility admins: photos on or off, their price, the rejection reasons."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_http_methods, require_POST

from kinframe.facilities.models import Facility, RejectionReason, StaffMembership
from kinframe.facilities.services import (
    FacilitySettingsError,
    facility_update_settings,
    rejection_reason_save,
)

from ..access import SETTINGS_ROLES, staff_facility, staff_required
from ..forms import FacilitySettingsForm, RejectionReasonForm
from .common import render_console


def _reason_form(reason: RejectionReason, data=None) -> RejectionReasonForm:
    return RejectionReasonForm(
        data,
        prefix=f"reason-{reason.pk}",
        initial={
            "label": reason.label,
            "sender_message": reason.sender_message,
            "is_active": reason.is_active,
        },
    )


def _settings_page(
    request: HttpRequest,
    facility: Facility,
    membership: StaffMembership,
    *,
    settings_form: FacilitySettingsForm | None = None,
    new_reason_form: RejectionReasonForm | None = None,
    bound_reason: tuple[int, RejectionReasonForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    reasons = []
    for reason in facility.rejection_reasons.order_by("-is_active", "position", "label"):
        if bound_reason and bound_reason[0] == reason.pk:
            reasons.append((reason, bound_reason[1]))
        else:
            reasons.append((reason, _reason_form(reason)))
    return render_console(
        request,
        "console/settings.html",
        facility=facility,
        membership=membership,
        status=status,
        settings_form=settings_form
        or FacilitySettingsForm(
            initial={"photos_enabled": facility.photos_enabled, "photo_price": facility.photo_price}
        ),
        new_reason_form=new_reason_form or RejectionReasonForm(prefix="new"),
        reasons=reasons,
    )


@staff_required
@require_http_methods(["GET", "POST"])
def facility_settings(request: HttpRequest, code: str) -> HttpResponse:
    facility, membership = staff_facility(request, code, roles=SETTINGS_ROLES)
    if request.method == "GET":
        return _settings_page(request, facility, membership)
    form = FacilitySettingsForm(request.POST)
    if form.is_valid():
        try:
            facility_update_settings(
                facility=facility,
                actor=request.user,
                photos_enabled=form.cleaned_data["photos_enabled"],
                photo_price=form.cleaned_data["photo_price"],
            )
        except FacilitySettingsError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Settings saved.")
            return redirect("console:settings", code=facility.code)
    return _settings_page(request, facility, membership, settings_form=form, status=400)


@staff_required
@require_POST
def reason_add(request: HttpRequest, code: str) -> HttpResponse:
    facility, membership = staff_facility(request, code, roles=SETTINGS_ROLES)
    form = RejectionReasonForm(request.POST, prefix="new")
    if form.is_valid():
        try:
            reason = rejection_reason_save(
                facility=facility, actor=request.user, **form.cleaned_data
            )
        except FacilitySettingsError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Added the reason “{reason.label}”.")
            return redirect("console:settings", code=facility.code)
    return _settings_page(request, facility, membership, new_reason_form=form, status=400)


@staff_required
@require_POST
def reason_edit(request: HttpRequest, code: str, reason_id: int) -> HttpResponse:
    facility, membership = staff_facility(request, code, roles=SETTINGS_ROLES)
    reason = get_object_or_404(RejectionReason, pk=reason_id, facility=facility)
    form = _reason_form(reason, request.POST)
    if form.is_valid():
        try:
            reason = rejection_reason_save(
                facility=facility, actor=request.user, reason=reason, **form.cleaned_data
            )
        except FacilitySettingsError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Saved the reason “{reason.label}”.")
            return redirect("console:settings", code=facility.code)
    return _settings_page(request, facility, membership, bound_reason=(reason.pk, form), status=400)
