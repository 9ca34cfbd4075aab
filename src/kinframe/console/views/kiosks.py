"""Kiosk screens, for facility admins: enrol one (its one-time code is shown once), list, revoke."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from kinframe.devices.models import KioskDevice
from kinframe.devices.selectors import kiosk_devices
from kinframe.devices.services import DeviceError, kiosk_device_enrol, kiosk_device_revoke

from ..access import SETTINGS_ROLES, ConsoleRequest, console_view


class KioskEnrolForm(forms.Form):
    name = forms.CharField(
        label=_("Where is the screen?"),
        max_length=100,
        widget=forms.TextInput(
            attrs={"data-testid": "kiosk-name", "placeholder": _("Block B day room")}
        ),
    )
    allowed_networks = forms.CharField(
        label=_("Allowed networks (optional)"),
        required=False,
        max_length=1000,
        help_text=_("CIDR blocks the screen connects from, e.g. 10.20.0.0/16. Empty: any network."),
        widget=forms.TextInput(attrs={"data-testid": "kiosk-networks"}),
    )


ENROLMENT_SESSION_KEY = "console_kiosk_enrolment"


def _page(
    request: ConsoleRequest, *, form: KioskEnrolForm | None = None, status: int = 200
) -> HttpResponse:
    facility = request.console.facility
    context: dict = {"devices": kiosk_devices(facility=facility), "form": form or KioskEnrolForm()}
    # The code just issued, shown on the first page after the enrolment and never again (the
    # device keeps only its hash); a reload shows the list without it and enrols nothing twice.
    issued = request.session.pop(ENROLMENT_SESSION_KEY, None)
    if issued and issued.get("facility") == facility.pk:
        device = KioskDevice.objects.filter(pk=issued["device"], facility=facility).first()
        if device is not None and device.activated_at is None and device.revoked_at is None:
            code = issued["code"]
            context["enrolled"] = (device, code)
            context["enrol_url"] = (
                request.build_absolute_uri(reverse("kiosk:enrol")) + f"?code={code}"
            )
    return TemplateResponse(request, "console/kiosks.html", context, status=status)


@console_view(roles=SETTINGS_ROLES)
@never_cache  # the one-time code must not be kept by any cache
@require_http_methods(["GET", "POST"])
def kiosks(request: ConsoleRequest) -> HttpResponse:
    if request.method == "GET":
        return _page(request)
    facility = request.console.facility
    form = KioskEnrolForm(request.POST)
    if form.is_valid():
        try:
            device, code = kiosk_device_enrol(
                actor=request.console.actor, facility=facility, **form.cleaned_data
            )
        except DeviceError as error:
            form.add_error(None, str(error))
        else:
            request.session[ENROLMENT_SESSION_KEY] = {
                "facility": facility.pk,
                "device": device.pk,
                "code": code,
            }
            return redirect("console:kiosks", code=facility.code)
    return _page(request, form=form, status=400)


@console_view(roles=SETTINGS_ROLES)
@require_POST
def kiosk_revoke(request: ConsoleRequest, device_id: int) -> HttpResponse:
    facility = request.console.facility
    device = get_object_or_404(KioskDevice, pk=device_id, facility=facility)
    try:
        kiosk_device_revoke(actor=request.console.actor, device=device)
    except DeviceError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            gettext("Revoked the kiosk “%(name)s”. It shows no sign-in now.")
            % {"name": device.name},
        )
    return redirect("console:kiosks", code=facility.code)
