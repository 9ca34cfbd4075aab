"""Facility settings, for facility admins: photos on or off, their price, the rejection reasons."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kinframe.facilities.models import RejectionReason
from kinframe.facilities.services import (
    FacilitySettingsError,
    facility_update_settings,
    rejection_reason_save,
)

from ..access import SETTINGS_ROLES, ConsoleRequest, console_view
from ..forms import FacilitySettingsForm, RejectionReasonForm


def _reason_form(reason: RejectionReason, data=None) -> RejectionReasonForm:
    return RejectionReasonForm(
        data,
        prefix=f"reason-{reason.pk}",
        initial={
            "label": reason.label,
            "sender_message": reason.sender_message,
            "sender_message_es": reason.sender_message_es,
            "is_active": reason.is_active,
        },
    )


def _settings_page(
    request: ConsoleRequest,
    *,
    settings_form: FacilitySettingsForm | None = None,
    new_reason_form: RejectionReasonForm | None = None,
    bound_reason: tuple[int, RejectionReasonForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    facility = request.console.facility
    reasons = []
    for reason in facility.rejection_reasons.order_by("-is_active", "position", "label"):
        if bound_reason and bound_reason[0] == reason.pk:
            reasons.append((reason, bound_reason[1]))
        else:
            reasons.append((reason, _reason_form(reason)))
    settings_form = settings_form or FacilitySettingsForm(
        initial={
            "photos_enabled": facility.photos_enabled,
            "photo_price": facility.photo_price,
            "review_target_minutes": facility.review_target_minutes,
        }
    )
    context = {
        "settings_form": settings_form,
        "new_reason_form": new_reason_form or RejectionReasonForm(prefix="new"),
        "reasons": reasons,
    }
    return render(request, "console/settings.html", context, status=status)


@console_view(roles=SETTINGS_ROLES)
@require_http_methods(["GET", "POST"])
def facility_settings(request: ConsoleRequest) -> HttpResponse:
    facility = request.console.facility
    if request.method == "GET":
        return _settings_page(request)
    form = FacilitySettingsForm(request.POST)
    if form.is_valid():
        try:
            facility_update_settings(
                facility=facility,
                actor=request.console.actor,
                photos_enabled=form.cleaned_data["photos_enabled"],
                photo_price=form.cleaned_data["photo_price"],
                review_target_minutes=form.cleaned_data["review_target_minutes"],
            )
        except FacilitySettingsError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Settings saved."))
            return redirect("console:settings", code=facility.code)
    return _settings_page(request, settings_form=form, status=400)


@console_view(roles=SETTINGS_ROLES)
@require_POST
def reason_add(request: ConsoleRequest) -> HttpResponse:
    facility = request.console.facility
    form = RejectionReasonForm(request.POST, prefix="new")
    if form.is_valid():
        try:
            reason = rejection_reason_save(
                facility=facility, actor=request.console.actor, **form.cleaned_data
            )
        except FacilitySettingsError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Added the reason “{reason.label}”.")
            return redirect("console:settings", code=facility.code)
    return _settings_page(request, new_reason_form=form, status=400)


@console_view(roles=SETTINGS_ROLES)
@require_POST
def reason_edit(request: ConsoleRequest, reason_id: int) -> HttpResponse:
    facility = request.console.facility
    reason = get_object_or_404(RejectionReason, pk=reason_id, facility=facility)
    form = _reason_form(reason, request.POST)
    if form.is_valid():
        try:
            reason = rejection_reason_save(
                facility=facility,
                actor=request.console.actor,
                reason=reason,
                **form.cleaned_data,
            )
        except FacilitySettingsError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Saved the reason “{reason.label}”.")
            return redirect("console:settings", code=facility.code)
    return _settings_page(request, bound_reason=(reason.pk, form), status=400)
