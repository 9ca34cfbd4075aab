"""The agency's watch list: facility admins add and remove entries; investigators read it.

A match flags the photo in review and emails the facility's investigators
(``restrictions.watch``); it never blocks by itself.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from kinframe.accounts.phones import try_normalize_phone
from kinframe.facilities.models import Inmate
from kinframe.restrictions.models import WatchlistEntry
from kinframe.restrictions.selectors import watchlist_for_facility
from kinframe.restrictions.services import (
    RestrictionError,
    watchlist_entry_add,
    watchlist_entry_remove,
)

from ..access import RESTRICTION_ROLES, RESTRICTION_VIEW_ROLES, ConsoleRequest, console_view


class WatchlistForm(forms.Form):
    name = forms.CharField(label=_("Sender's first and last name"), max_length=200, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    phone = forms.CharField(label=_("Mobile number"), max_length=30, required=False)
    inmate = forms.CharField(
        label=_("Inmate number (anyone sending to them)"), max_length=32, required=False
    )
    note = forms.CharField(
        label=_("Note (staff only)"), max_length=2000, required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )  # fmt: skip

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"].strip()
        if not phone:
            return ""
        normal = try_normalize_phone(phone)
        if normal is None:
            raise forms.ValidationError(_("That is not a mobile number we recognise."))
        return normal


def _page(request: ConsoleRequest, *, form=None, status=200) -> HttpResponse:
    context = {
        "entries": list(watchlist_for_facility(facility=request.console.facility)[:500]),
        "form": form or WatchlistForm(),
    }
    return TemplateResponse(request, "console/watchlist.html", context, status=status)


@console_view(roles=RESTRICTION_VIEW_ROLES)
@require_GET
def watchlist(request: ConsoleRequest) -> HttpResponse:
    return _page(request)


@console_view(roles=RESTRICTION_ROLES)
@require_POST
def watchlist_add(request: ConsoleRequest) -> HttpResponse:
    facility = request.console.facility
    form = WatchlistForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        inmate = None
        if data["inmate"].strip():
            inmate = Inmate.objects.filter(
                agency_id=facility.agency_id, number__iexact=data["inmate"].strip()
            ).first()
            if inmate is None:
                form.add_error("inmate", gettext("Nobody in this agency has that inmate number."))
        if form.is_valid():
            try:
                watchlist_entry_add(
                    actor=request.console.actor,
                    facility=facility,
                    name=data["name"],
                    email=data["email"],
                    phone=data["phone"],
                    inmate=inmate,
                    note=data["note"],
                )
            except RestrictionError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, gettext("Added to the watch list."))
                return redirect("console:watchlist", facility.code)
    return _page(request, form=form, status=400)


@console_view(roles=RESTRICTION_ROLES)
@require_POST
def watchlist_remove(request: ConsoleRequest, entry_id: int) -> HttpResponse:
    facility = request.console.facility
    entry = WatchlistEntry.objects.filter(pk=entry_id, agency_id=facility.agency_id).first()
    if entry is None:
        raise Http404("No such entry.")
    watchlist_entry_remove(actor=request.console.actor, facility=facility, entry=entry)
    messages.success(request, gettext("Removed from the watch list."))
    return redirect("console:watchlist", facility.code)
