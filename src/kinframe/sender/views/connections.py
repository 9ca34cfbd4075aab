"""Finding a person and asking to connect; the sender's list of connections."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from kinframe.connections.models import Connection
from kinframe.connections.selectors import (
    SEARCH_LIMIT,
    SEARCH_MIN_LENGTH,
    connection_for_sender,
    connections_for_sender,
    inmate_search,
    searchable_facilities,
)
from kinframe.connections.services import (
    RELATIONSHIP_MAX_LENGTH,
    ConnectionNotAllowed,
    connection_request,
)
from kinframe.custody.services import connection_end
from kinframe.facilities.models import Inmate
from kinframe.restrictions.selectors import send_refusals

from ..access import SenderRequest, verified_sender_required


class SearchForm(forms.Form):
    facility = forms.ModelChoiceField(
        queryset=searchable_facilities(),
        label=_("Facility"),
        empty_label=_("Choose a facility"),
        error_messages={"required": _("Choose the facility where the person is held.")},
    )
    q = forms.CharField(
        label=_("Name or inmate number"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )


class RequestForm(forms.Form):
    inmate = forms.IntegerField(widget=forms.HiddenInput)
    relationship = forms.CharField(
        max_length=RELATIONSHIP_MAX_LENGTH,
        required=False,
        help_text=_("Optional, e.g. mother, friend"),
    )
    # Carried along so a refused request shows the same search again.
    facility = forms.IntegerField(required=False, widget=forms.HiddenInput)
    q = forms.CharField(required=False, widget=forms.HiddenInput)


def _search_page(request: HttpRequest, params, *, status: int = 200) -> TemplateResponse:
    form = SearchForm(params or None)
    results: list[Inmate] | None = None
    hint = ""
    if form.is_bound and form.is_valid():
        query = form.cleaned_data["q"].strip()
        results = inmate_search(
            facility=form.cleaned_data["facility"], query=query, sender=request.user
        )
        if not query:
            results = None
            hint = gettext("Type a name or an inmate number.")
        elif not results and len(query) < SEARCH_MIN_LENGTH:
            hint = gettext(
                "Type at least %(count)s letters of a name, or the full inmate number."
            ) % {"count": SEARCH_MIN_LENGTH}
    refusals = send_refusals(sender=request.user, inmates=results or [])
    for person in results or []:
        person.restriction = refusals.get(person.pk)  # type: ignore[attr-defined]
        known = getattr(person, "connection_status", None)
        if known in Connection.Status.values:
            # The status in the reader's language (the template falls back to the raw value).
            label = Connection.Status(known).label
            person.connection_status_label = label  # type: ignore[attr-defined]
    return TemplateResponse(
        request,
        "sender/connections/search.html",
        {
            "form": form,
            "results": results,
            "hint": hint,
            "limit": SEARCH_LIMIT,
            "relationship_max": RELATIONSHIP_MAX_LENGTH,
            "open_statuses": Connection.OPEN_STATUSES,
        },
        status=status,
    )


@verified_sender_required
def search(request: SenderRequest) -> HttpResponse:
    """Pick a facility and type a name or number; at most a short page of matches comes back."""
    response = _search_page(request, request.GET)
    form = (response.context_data or {})["form"]
    if request.GET and not form.is_valid():
        response.status_code = 400
    return response


@verified_sender_required
@require_POST
def request_connection(request: SenderRequest) -> HttpResponse:
    """Ask to connect with one person found by the search."""
    form = RequestForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, gettext("That request was incomplete. Search for the person again.")
        )
        return _search_page(request, None, status=400)
    inmate = Inmate.objects.filter(pk=form.cleaned_data["inmate"]).first()
    search_params = {
        key: form.cleaned_data[key] for key in ("facility", "q") if form.cleaned_data[key]
    }
    if inmate is None:
        messages.error(request, gettext("We could not find that person. Search again."))
        return _search_page(request, search_params, status=404)
    try:
        connection = connection_request(
            actor=request.actor, inmate=inmate, relationship=form.cleaned_data["relationship"]
        )
    except ConnectionNotAllowed as exc:
        messages.error(request, str(exc))
        return _search_page(request, search_params, status=409)
    messages.success(
        request,
        gettext(
            "Request sent to %(name)s. "
            "They will answer at the facility's kiosk; we'll email you when they do."
        )
        % {"name": connection.inmate.full_name},
    )
    return redirect("sender:connections")


@verified_sender_required
def connection_list(request: SenderRequest) -> HttpResponse:
    """Everyone the sender has asked, with where each request stands."""
    return TemplateResponse(
        request,
        "sender/connections/list.html",
        {
            "connections": connections_for_sender(sender=request.user),
            "search_url": reverse("sender:search"),
        },
    )


@verified_sender_required
@require_POST
def end_connection(request: SenderRequest, connection_id: int) -> HttpResponse:
    """Withdraw a request or stop sending photos to someone."""
    connection = connection_for_sender(sender=request.user, connection_id=connection_id)
    if connection is None:
        raise Http404("No such connection.")
    was_request = connection.status == Connection.Status.REQUESTED
    try:
        connection_end(connection=connection, actor=request.actor)
    except ConnectionNotAllowed as exc:
        messages.error(request, str(exc))
        return redirect("sender:connections")
    if was_request:
        message = gettext("Your request to %(name)s is withdrawn.")
    else:
        message = gettext("You are no longer connected to %(name)s.")
    messages.success(request, message % {"name": connection.inmate.full_name})
    return redirect("sender:connections")
