"""The kiosk: sign-in, pending connection requests, the gallery of delivered photos and the viewer."""

from __future__ import annotations

from uuid import UUID

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from kinframe.audit.actors import Actor
from kinframe.connections.models import Connection
from kinframe.connections.selectors import pending_requests_for_inmate
from kinframe.connections.services import (
    ConnectionNotAllowed,
    connection_approve,
    connection_decline,
)
from kinframe.photos.services import photo_record_view
from kinframe.photos.serving import VARIANTS, photo_file_response

from .access import (
    SignInFailed,
    current_inmate,
    kiosk_login_required,
    kiosk_sign_in,
    kiosk_sign_out,
    remember_device,
)
from .selectors import delivered_photo, delivered_photos, photo_neighbours

GALLERY_PAGE_SIZE = 24


class SignInForm(forms.Form):
    facility_code = forms.CharField(
        label="Facility code",
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "none"}),
    )
    number = forms.CharField(
        label="Your number",
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
    pin = forms.CharField(
        label="PIN",
        max_length=32,
        strip=False,
        widget=forms.PasswordInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )


def _kiosk_context(request: HttpRequest, **context):
    return {"idle_seconds": settings.KIOSK_IDLE_SECONDS, **context}


@never_cache
def sign_in(request: HttpRequest) -> HttpResponse:
    if request.method == "GET" and current_inmate(request) is not None:
        return redirect("kiosk:home")
    form = SignInForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                kiosk_sign_in(request, **form.cleaned_data)
            except SignInFailed as exc:
                form.add_error(None, str(exc))
                status = 429 if exc.locked else 400
            else:
                return redirect("kiosk:home")
        else:
            status = 400
    response = TemplateResponse(
        request, "kiosk/sign_in.html", _kiosk_context(request, form=form), status=status
    )
    # The screen gets its id when it shows the page, never from a failed attempt, so clearing
    # cookies between attempts only puts the attempts under the limit the whole address shares.
    return remember_device(request, response) if request.method == "GET" else response


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    kiosk_sign_out(request)
    messages.info(request, "You are signed out.")
    return redirect("kiosk:sign_in")


@never_cache
@kiosk_login_required
def home(request: HttpRequest) -> HttpResponse:
    """Requests waiting for an answer, then the gallery of delivered photos, newest first."""
    page = Paginator(delivered_photos(inmate=request.inmate), GALLERY_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return TemplateResponse(
        request,
        "kiosk/home.html",
        _kiosk_context(
            request,
            inmate=request.inmate,
            pending=list(pending_requests_for_inmate(inmate=request.inmate)),
            page=page,
        ),
    )


def _decide(request: HttpRequest, connection_id: int, decide, done: str) -> HttpResponse:
    connection = (
        Connection.objects.filter(pk=connection_id, inmate=request.inmate)
        .select_related("sender")
        .first()
    )
    if connection is None:
        raise Http404("No such request.")
    try:
        decide(connection=connection, actor=Actor.inmate_at_kiosk(request.inmate))
    except ConnectionNotAllowed as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            done.format(name=connection.sender.get_full_name() or connection.sender.get_username()),
        )
    return redirect("kiosk:home")


@require_POST
@kiosk_login_required
def request_approve(request: HttpRequest, connection_id: int) -> HttpResponse:
    return _decide(request, connection_id, connection_approve, "{name} can now send you photos.")


@require_POST
@kiosk_login_required
def request_decline(request: HttpRequest, connection_id: int) -> HttpResponse:
    return _decide(
        request, connection_id, connection_decline, "You declined the request from {name}."
    )


@never_cache
@require_GET
@kiosk_login_required
def photo_viewer(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """One photo full screen with previous/next; its display file records the view."""
    photo = delivered_photo(inmate=request.inmate, public_id=public_id)
    if photo is None:
        raise Http404("No such photo.")
    newer, older = photo_neighbours(inmate=request.inmate, photo=photo)
    return TemplateResponse(
        request,
        "kiosk/photo.html",
        _kiosk_context(request, inmate=request.inmate, photo=photo, newer=newer, older=older),
    )


@require_GET
def photo_file(request: HttpRequest, public_id: UUID, variant: str) -> HttpResponse:
    """The photo's bytes, only for its recipient, only once it is delivered.

    Each fetch of the display variant is one opening of the photo and records one PhotoView (the
    viewer page loads it once; nothing prefetches it). Thumbnails in the gallery are not views.
    Anybody else, signed in or not, gets the same 404 as for a photo that does not exist.
    """
    inmate = current_inmate(request)
    if inmate is None or variant not in VARIANTS:
        raise Http404("No such photo.")
    photo = delivered_photo(inmate=inmate, public_id=public_id)
    if photo is None:
        raise Http404("No such photo.")
    response = photo_file_response(photo, variant)
    if variant == "display":
        photo_record_view(photo=photo, actor=Actor.inmate_at_kiosk(inmate), variant=variant)
    return response
