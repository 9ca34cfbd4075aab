"""People held at the facility, for facility admins: find, book, correct, move, release and
readmit them by hand, reset a kiosk PIN, suspend their photos, end their connections.

Each action is the same custody or devices service the roster API calls, so a hand booking and a
feed booking follow one set of rules and leave the same audit trail.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from kinframe.connections.models import Connection
from kinframe.connections.services import ConnectionNotAllowed
from kinframe.custody.services import (
    connection_end,
    inmate_book,
    inmate_readmit,
    inmate_release,
    inmate_transfer,
)
from kinframe.devices.services import inmate_reset_pin
from kinframe.facilities.models import Facility, Inmate
from kinframe.facilities.services import FacilitySettingsError
from kinframe.restrictions.selectors import blocks_for_facility, suspensions_for_facility

from ..access import PEOPLE_ROLES, ConsoleRequest, console_view
from .blocks import BlockForm, SuspensionForm

PEOPLE_LIMIT = 100


class BookForm(forms.Form):
    number = forms.CharField(label=_("Inmate number"), max_length=32)
    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100)


class CorrectForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100)


class TransferForm(forms.Form):
    facility = forms.ModelChoiceField(queryset=Facility.objects.none(), label=_("Move to"))

    def __init__(self, *args, facility: Facility, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["facility"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Facility.objects.filter(agency_id=facility.agency_id).exclude(
            pk=facility.pk
        )


def _person(request: ConsoleRequest, inmate_id: int) -> Inmate:
    """One person held (or once held) at this facility; anyone else's is a 404."""
    return get_object_or_404(
        Inmate.objects.select_related("facility", "agency"),
        pk=inmate_id,
        facility=request.console.facility,
    )


def _list(request: ConsoleRequest, *, form=None, status=200) -> HttpResponse:
    facility = request.console.facility
    query = " ".join(request.GET.get("q", "").split())[:100]
    people = Inmate.objects.filter(facility=facility)
    if query:
        match = Q(number__iexact=query)
        for word in query.split(" "):
            match |= Q(first_name__istartswith=word) | Q(last_name__istartswith=word)
        people = people.filter(match)
    context = {
        "people": list(people.order_by("last_name", "first_name", "number")[:PEOPLE_LIMIT]),
        "limit": PEOPLE_LIMIT,
        "q": query,
        "form": form or BookForm(),
    }
    return TemplateResponse(request, "console/people.html", context, status=status)


@console_view(roles=PEOPLE_ROLES)
@require_GET
def people(request: ConsoleRequest) -> HttpResponse:
    return _list(request)


@console_view(roles=PEOPLE_ROLES)
@require_POST
def person_book(request: ConsoleRequest) -> HttpResponse:
    """Book a person by hand; a number the agency already knows is updated and moved here."""
    facility = request.console.facility
    form = BookForm(request.POST)
    if form.is_valid():
        try:
            inmate, created = inmate_book(
                agency=facility.agency,
                facility=facility,
                actor=request.console.actor,
                audit_data={"by_hand": True},
                **form.cleaned_data,
            )
        except FacilitySettingsError as error:
            form.add_error(None, str(error))
        else:
            text = gettext("%(name)s is booked.") if created else gettext("%(name)s is updated.")
            messages.success(request, text % {"name": inmate.full_name})
            return redirect("console:person", facility.code, inmate.pk)
    return _list(request, form=form, status=400)


def _detail(request: ConsoleRequest, inmate: Inmate, *, status=200, **forms_) -> HttpResponse:
    facility = request.console.facility
    context = {
        "person": inmate,
        "correct_form": forms_.get("correct_form")
        or CorrectForm(initial={"first_name": inmate.first_name, "last_name": inmate.last_name}),
        "transfer_form": forms_.get("transfer_form") or TransferForm(facility=facility),
        "block_form": BlockForm(initial={"scope": "person", "inmate": inmate.number}),
        "suspension_form": SuspensionForm(initial={"inmate": inmate.number}),
        "connections": list(
            Connection.objects.filter(inmate=inmate)
            .select_related("sender")
            .order_by("-created_at")[:100]
        ),
        "open_statuses": Connection.OPEN_STATUSES,
        "blocks": list(blocks_for_facility(facility=facility).filter(inmate=inmate)[:50]),
        "suspensions": list(suspensions_for_facility(facility=facility).filter(inmate=inmate)[:50]),
        "new_pin": forms_.get("new_pin"),
    }
    return TemplateResponse(request, "console/person.html", context, status=status)


@console_view(roles=PEOPLE_ROLES)
@require_GET
def person(request: ConsoleRequest, inmate_id: int) -> HttpResponse:
    return _detail(request, _person(request, inmate_id))


@console_view(roles=PEOPLE_ROLES)
@require_POST
def person_correct(request: ConsoleRequest, inmate_id: int) -> HttpResponse:
    """Correct a name: a re-booking under the same number at the same facility."""
    inmate = _person(request, inmate_id)
    form = CorrectForm(request.POST)
    if form.is_valid():
        try:
            inmate, _created = inmate_book(
                agency=inmate.agency,
                facility=inmate.facility,
                number=inmate.number,
                actor=request.console.actor,
                audit_data={"by_hand": True},
                **form.cleaned_data,
            )
        except FacilitySettingsError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, gettext("Saved."))
            return redirect("console:person", request.console.facility.code, inmate.pk)
    return _detail(request, inmate, correct_form=form, status=400)


@console_view(roles=PEOPLE_ROLES)
@require_POST
def person_transfer(request: ConsoleRequest, inmate_id: int) -> HttpResponse:
    facility = request.console.facility
    inmate = _person(request, inmate_id)
    form = TransferForm(request.POST, facility=facility)
    if form.is_valid():
        try:
            inmate_transfer(
                inmate=inmate,
                facility=form.cleaned_data["facility"],
                actor=request.console.actor,
                audit_data={"by_hand": True},
            )
        except FacilitySettingsError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                gettext("%(name)s moved to %(facility)s.")
                % {"name": inmate.full_name, "facility": form.cleaned_data["facility"].name},
            )
            return redirect("console:people", facility.code)
    return _detail(request, inmate, transfer_form=form, status=400)


@console_view(roles=PEOPLE_ROLES)
@require_POST
def person_release(request: ConsoleRequest, inmate_id: int) -> HttpResponse:
    inmate = _person(request, inmate_id)
    inmate_release(inmate=inmate, actor=request.console.actor, audit_data={"by_hand": True})
    messages.success(
        request,
        gettext("%(name)s is released; photos on their way are refunded.")
        % {"name": inmate.full_name},
    )
    return redirect("console:person", request.console.facility.code, inmate.pk)


@console_view(roles=PEOPLE_ROLES)
@require_POST
def person_readmit(request: ConsoleRequest, inmate_id: int) -> HttpResponse:
    inmate = _person(request, inmate_id)
    inmate_readmit(inmate=inmate, actor=request.console.actor, audit_data={"by_hand": True})
    messages.success(request, gettext("%(name)s is held here again.") % {"name": inmate.full_name})
    return redirect("console:person", request.console.facility.code, inmate.pk)


@console_view(roles=PEOPLE_ROLES)
@never_cache  # the one-time PIN is on this page only
@require_POST
def person_reset_pin(request: ConsoleRequest, inmate_id: int) -> HttpResponse:
    """Give the person a one-time kiosk PIN (shown once), which they must change at sign-in."""
    inmate, pin = inmate_reset_pin(actor=request.console.actor, inmate=_person(request, inmate_id))
    return _detail(request, inmate, new_pin=pin)


@console_view(roles=PEOPLE_ROLES)
@require_POST
def person_connection_end(
    request: ConsoleRequest, inmate_id: int, connection_id: int
) -> HttpResponse:
    """End one of the person's connections for them; photos waiting over it are refunded."""
    inmate = _person(request, inmate_id)
    connection = get_object_or_404(Connection, pk=connection_id, inmate=inmate)
    try:
        connection_end(connection=connection, actor=request.console.actor)
    except ConnectionNotAllowed as error:
        messages.error(request, str(error))
    else:
        messages.success(request, gettext("The connection is ended."))
    return redirect("console:person", request.console.facility.code, inmate.pk)
