"""The kiosk: sign-in, requests, the gallery of delivered photos, the viewer, and connections."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from kinframe.accounts.views import remember_language
from kinframe.audit.actors import Actor
from kinframe.connections.models import Connection
from kinframe.connections.selectors import pending_requests_for_inmate
from kinframe.connections.services import (
    ConnectionNotAllowed,
    connection_approve,
    connection_decline,
)
from kinframe.devices.pins import MIN_LENGTH
from kinframe.devices.services import (
    DeviceError,
    KioskSignInError,
    PinRejected,
    inmate_language_set,
    inmate_set_pin,
    kiosk_device_activate,
    kiosk_sign_in,
)
from kinframe.keyset import keyset_page
from kinframe.languages import supported_language

from .access import (
    IDLE_SIGNED_OUT,
    TIME_UP,
    KioskRequest,
    end_session,
    kiosk_view,
    pin_changed,
    request_device,
    set_device_cookie,
    start_session,
)
from .forms import DIGIT_KEYS, LETTER_KEYS, EnrolForm, NewPinForm, SignInForm
from .selectors import delivered_photos, unopened_photos

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

GALLERY_PAGE_SIZE = 24
# What the signed-out screen says, by why kiosk.js signed the person out.
SIGNED_OUT = {
    "idle": IDLE_SIGNED_OUT,
    "time": TIME_UP,
}


def kiosk_context(request: KioskRequest, **context):
    return {
        "idle_seconds": settings.KIOSK_IDLE_SECONDS,
        "session_remaining": request.kiosk.session_remaining,
        "inmate": request.kiosk.inmate,
        "device": request.kiosk.device,
        "digit_keys": DIGIT_KEYS,
        "letter_keys": LETTER_KEYS,
        "min_length": MIN_LENGTH,
        **context,
    }


@never_cache
@kiosk_view(person=False)
def sign_in(request: KioskRequest) -> HttpResponse:
    if request.method == "GET" and request.kiosk.inmate is not None:
        return redirect("kiosk:home")
    form = SignInForm(request.POST if request.method == "POST" else None)
    status = 200
    retry_after = 0
    if request.method == "POST":
        if form.is_valid():
            device = request.kiosk.device
            try:
                signed_in = kiosk_sign_in(device=device, **form.cleaned_data)
            except KioskSignInError as exc:
                form.add_error(None, str(exc))
                status = 429 if exc.locked else 400
                retry_after = exc.retry_after
            else:
                start_session(request, device=device, signed_in=signed_in)
                return redirect("kiosk:new_pin" if signed_in.must_change_pin else "kiosk:home")
        else:
            status = 400
    response = TemplateResponse(
        request, "kiosk/sign_in.html", kiosk_context(request, form=form), status=status
    )
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


@never_cache
@require_http_methods(["GET", "POST"])
@kiosk_view(new_pin_page=True)
def new_pin(request: KioskRequest) -> HttpResponse:
    """Choose a new PIN: required before anything else when the old one is too weak."""
    inmate = request.kiosk.person
    assert inmate is not None
    assert request.kiosk.actor is not None
    form = NewPinForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                inmate_set_pin(
                    actor=request.kiosk.actor, inmate=inmate, pin=form.cleaned_data["pin"]
                )
            except PinRejected as exc:
                form.add_error("pin", str(exc))
            else:
                pin_changed(request)
                messages.success(
                    request, gettext("Your new PIN is saved. Use it next time you sign in.")
                )
                return redirect("kiosk:home")
        status = 400
    return TemplateResponse(
        request,
        "kiosk/new_pin.html",
        kiosk_context(request, form=form, required=request.kiosk.must_change_pin),
        status=status,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def enrol(request: HttpRequest) -> HttpResponse:
    """Make this browser a kiosk of a facility with the one-time code staff got in the console.

    Not behind the kiosk gate: this is how a screen gets through it. A GET only shows the form
    (filled from ``?code=``), so a link previewer cannot use up the code; the POST redeems it.
    """
    form = EnrolForm(request.POST if request.method == "POST" else None,
                     initial={"code": request.GET.get("code", "")[:40]})  # fmt: skip
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                device, credential = kiosk_device_activate(
                    actor=Actor.system("kiosk enrolment"),
                    enrolment_code=form.cleaned_data["code"],
                )
            except DeviceError as exc:
                form.add_error("code", str(exc))
            else:
                request.session.flush()  # nobody's session carries over onto the new kiosk
                messages.success(
                    request,
                    gettext("This screen is now the kiosk “%(name)s”.") % {"name": device.name},
                )
                return set_device_cookie(redirect("kiosk:sign_in"), credential)
        status = 400
    current = request_device(request)
    return TemplateResponse(
        request, "kiosk/enrol.html", {"form": form, "current_device": current}, status=status
    )


@require_POST
@kiosk_view(person=False)
def sign_out(request: KioskRequest) -> HttpResponse:
    end_session(request, request.kiosk)
    why = SIGNED_OUT.get(request.POST.get("why", ""), gettext_lazy("You are signed out."))
    messages.info(request, str(why))
    return redirect("kiosk:sign_in")


@require_POST
@kiosk_view(person=False)
def language(request: KioskRequest) -> HttpResponse:
    """A signed-in person's choice stays on their profile (every kiosk, every visit) and not in
    this screen's cookie, so the next person at the screen is not handed it; before sign-in the
    choice is the screen's own (the cookie) until someone changes it."""
    code = supported_language(request.POST.get("language"))
    if code is None:
        return HttpResponse(gettext("Choose one of the languages offered."), status=400)
    # Back to the kiosk page the switch was on; never anywhere else (a kiosk stays a kiosk).
    target = request.POST.get("next", "")
    if not target.startswith("/kiosk/"):
        target = reverse("kiosk:home")
    person = request.kiosk.inmate
    if person is not None:
        inmate_language_set(actor=request.kiosk.person_actor, inmate=person, language=code)
        return redirect(target)
    return remember_language(redirect(target), request, code)


@never_cache
@kiosk_view()
def home(request: KioskRequest) -> HttpResponse:
    """Requests waiting for an answer, then the photos not opened yet (marked New), then every
    photo newest first, a page at a time (keyset pages: the same cost at any length)."""
    person = request.kiosk.person
    first_page = not (request.GET.get("after") or request.GET.get("before"))
    # Bounded like the pages: a person with more new photos than a page sees "24+ new".
    new = list(unopened_photos(inmate=person)[: GALLERY_PAGE_SIZE + 1]) if first_page else []
    more_new = len(new) > GALLERY_PAGE_SIZE
    new = new[:GALLERY_PAGE_SIZE]
    page = keyset_page(
        request, delivered_photos(inmate=person), key="delivered_at", per_page=GALLERY_PAGE_SIZE
    )
    return TemplateResponse(
        request,
        "kiosk/home.html",
        kiosk_context(
            request,
            pending=list(pending_requests_for_inmate(inmate=person)),
            # New photos first, marked; then the page's others (a new one is not shown twice).
            tiles=[(photo, True) for photo in new]
            + [(photo, False) for photo in page.object_list if photo not in new],
            new_count=f"{len(new)}{'+' if more_new else ''}" if new else "",
            new_number=len(new),  # for the badge's plural
            more_new=more_new,
            page=page,
        ),
    )


def _decide(request: KioskRequest, connection_id: int, decide, done: StrOrPromise) -> HttpResponse:
    connection = (
        Connection.objects.filter(pk=connection_id, inmate=request.kiosk.person)
        .select_related("sender")
        .first()
    )
    if connection is None:
        raise Http404("No such request.")
    try:
        decide(connection=connection, actor=request.kiosk.person_actor)
    except ConnectionNotAllowed as exc:
        messages.error(request, str(exc))
    else:
        name = connection.sender.get_full_name() or connection.sender.get_username()
        messages.success(request, str(done) % {"name": name})
    return redirect("kiosk:home")


@require_POST
@kiosk_view()
def request_approve(request: KioskRequest, connection_id: int) -> HttpResponse:
    return _decide(
        request,
        connection_id,
        connection_approve,
        gettext_lazy("%(name)s can now send you photos."),
    )


@require_POST
@kiosk_view()
def request_decline(request: KioskRequest, connection_id: int) -> HttpResponse:
    return _decide(
        request,
        connection_id,
        connection_decline,
        gettext_lazy("You declined the request from %(name)s."),
    )
