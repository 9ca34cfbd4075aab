"""The one gate every kiosk page passes through: which screen this is, and who is signed in on it.

A kiosk page answers only an enrolled, unrevoked kiosk device (its credential is in an HttpOnly,
SameSite=Strict cookie set when staff's one-time enrolment code was redeemed on that browser), from
an allowed network if the device names any. Anything else gets a plain 403 page that says the screen
is not enrolled, with no sign-in form, so a browser elsewhere cannot try a PIN or lock anyone out.

Incarcerated people are not Django users. A kiosk session holds the person's id, the device it was
opened on, when it started and when it was last used; it ends at sign-out, after
``KIOSK_IDLE_SECONDS`` without a request, ``KIOSK_SESSION_MAX_SECONDS`` after sign-in whatever the
activity, on another device, or once the person is no longer active at the device's facility. The
rules for PINs, lockouts and devices live in ``kinframe.devices.services``; this module only keeps
the session and builds the ``KioskRequest`` that views receive.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from kinframe.audit.actors import Actor
from kinframe.devices.models import KioskDevice
from kinframe.devices.services import (
    KioskSignIn,
    kiosk_device_for_credential,
    kiosk_device_seen,
    kiosk_sign_out,
)
from kinframe.facilities.models import Inmate
from kinframe.languages import speak

DEVICE_COOKIE = "kiosk_device"
DEVICE_COOKIE_MAX_AGE = 5 * 365 * 24 * 3600
SESSION_INMATE = "kiosk_inmate_id"
SESSION_DEVICE = "kiosk_device_id"
SESSION_STARTED = "kiosk_started"
SESSION_SEEN = "kiosk_last_seen"
SESSION_NEW_PIN = "kiosk_must_change_pin"
# What the sign-in page says after a session ended by itself (in the screen's language: nobody is
# signed in any more, so the person's own language no longer applies).
IDLE_SIGNED_OUT = gettext_lazy("You were signed out because the screen was not used.")
TIME_UP = gettext_lazy("Your time is up. Sign in again to carry on.")
# The last-seen time is saved at most this often, so a gallery loading two dozen thumbnails does not
# write the session two dozen times; the idle timeout is exact to within this many seconds.
SEEN_RESOLUTION = 10


@dataclass(frozen=True)
class KioskScope:
    """What the gate resolved: the screen, and the person signed in on it (if the page needs one)."""

    device: KioskDevice
    inmate: Inmate | None = None
    actor: Actor | None = None
    must_change_pin: bool = False
    session_remaining: int = 0  # seconds until the session's absolute end

    @property
    def person(self) -> Inmate:
        """The signed-in person, on pages the gate opens only to one (``person=True``)."""
        if self.inmate is None:
            raise RuntimeError("This kiosk page was declared without person=True.")
        return self.inmate

    @property
    def person_actor(self) -> Actor:
        if self.actor is None:
            raise RuntimeError("This kiosk page was declared without person=True.")
        return self.actor


class KioskRequest(HttpRequest):
    """The request a kiosk page receives: ``kiosk`` is set by the gate."""

    kiosk: KioskScope


def client_address(request: HttpRequest) -> str | None:
    """REMOTE_ADDR as is (see audit.middleware: a proxy must set it, not a header a client sends)."""
    return request.META.get("REMOTE_ADDR")


def request_device(request: HttpRequest) -> KioskDevice | None:
    """The enrolled, unrevoked device this browser is, if its network is allowed; else None."""
    device = kiosk_device_for_credential(request.COOKIES.get(DEVICE_COOKIE))
    if device is None or not device.allows_address(client_address(request)):
        return None
    return device


def set_device_cookie(response: HttpResponse, credential: str) -> HttpResponse:
    response.set_cookie(
        DEVICE_COOKIE,
        credential,
        max_age=DEVICE_COOKIE_MAX_AGE,
        path="/kiosk/",
        httponly=True,
        samesite="Strict",
        secure=settings.SESSION_COOKIE_SECURE,
    )
    return response


def not_enrolled(request: HttpRequest) -> HttpResponse:
    return TemplateResponse(request, "kiosk/not_enrolled.html", {}, status=403)


def start_session(request: HttpRequest, *, device: KioskDevice, signed_in: KioskSignIn) -> None:
    """A fresh session: nothing from whoever used this browser before survives, nor its key."""
    request.session.flush()
    now = int(time.time())
    request.session[SESSION_INMATE] = signed_in.inmate.pk
    request.session[SESSION_DEVICE] = device.pk
    request.session[SESSION_STARTED] = now
    request.session[SESSION_SEEN] = now
    request.session[SESSION_NEW_PIN] = signed_in.must_change_pin


def end_session(request: HttpRequest, scope: KioskScope) -> None:
    if scope.inmate is not None:
        kiosk_sign_out(device=scope.device, inmate=scope.inmate)
    request.session.flush()


def pin_changed(request: HttpRequest) -> None:
    request.session[SESSION_NEW_PIN] = False


def _session_inmate(
    request: HttpRequest, device: KioskDevice, *, touch: bool = True
) -> tuple[Inmate | None, str]:
    """The person signed in on ``device`` in this session, or None and why ("" if nobody was).

    ``touch``: this request is the person doing something, so it counts as activity. Fetching
    photo files does not: a page's thumbnails and the viewer's fetches ahead arrive together and
    would all write the session at once, and a person does not act by loading an image.
    """
    session = request.session
    inmate_id = session.get(SESSION_INMATE)
    if inmate_id is None:
        return None, ""
    now = int(time.time())
    if session.get(SESSION_DEVICE) != device.pk:
        session.flush()
        return None, ""
    if now - session.get(SESSION_SEEN, 0) > settings.KIOSK_IDLE_SECONDS:
        session.flush()
        return None, str(IDLE_SIGNED_OUT)
    if now - session.get(SESSION_STARTED, 0) > settings.KIOSK_SESSION_MAX_SECONDS:
        session.flush()
        return None, str(TIME_UP)
    inmate = (
        Inmate.objects.active()
        .select_related("facility")
        .filter(pk=inmate_id, facility=device.facility_id)
        .first()
    )
    if inmate is None:
        session.flush()
        return None, ""
    # A short idle time (a test's, or a strict site's) needs the last-seen time kept finer.
    resolution = min(SEEN_RESOLUTION, settings.KIOSK_IDLE_SECONDS // 3)
    if touch and now - session.get(SESSION_SEEN, 0) >= resolution:
        session[SESSION_SEEN] = now
    return inmate, ""


def kiosk_view(
    *, person: bool = True, stranger: str = "sign-in", new_pin_page: bool = False
) -> Callable[[Callable[..., HttpResponseBase]], Callable[..., HttpResponseBase]]:
    """Declare a kiosk page. Every one needs an enrolled device (else the 403 not-enrolled page).

    ``person``: the page is for a signed-in person; anybody else goes to the sign-in page
    (``stranger="sign-in"``) or gets a 404 (``stranger="404"``, for photo files). A person who must
    change a weak PIN sees only the new-PIN page (``new_pin_page=True``) until they have.
    """

    def decorator(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            device = request_device(request)
            if device is None:
                if SESSION_INMATE in request.session:
                    request.session.flush()  # a revoked screen forgets its session at once
                return not_enrolled(request)
            kiosk_device_seen(device=device)
            fetching_a_file = stranger == "404" and request.method == "GET"
            inmate, why = _session_inmate(request, device, touch=not fetching_a_file)
            scoped: KioskRequest = request  # type: ignore[assignment]
            must_change = bool(inmate and request.session.get(SESSION_NEW_PIN))
            ends = request.session.get(SESSION_STARTED, 0) + settings.KIOSK_SESSION_MAX_SECONDS
            scoped.kiosk = KioskScope(
                device=device,
                inmate=inmate,
                actor=Actor.inmate_at_kiosk(inmate) if inmate is not None else None,
                must_change_pin=must_change,
                session_remaining=max(ends - int(time.time()), 0) if inmate is not None else 0,
            )
            if person and inmate is None:
                if stranger == "404":
                    raise Http404("No such photo.")
                if why:
                    messages.info(request, why)
                return redirect("kiosk:sign_in")
            if person and must_change and not new_pin_page:
                if stranger == "404":
                    raise Http404("No such photo.")
                return redirect("kiosk:new_pin")
            # Dates on the kiosk are the facility's local dates, not the server's. A
            # TemplateResponse renders after the view returns, so render it while the zone is active.
            # The person's own language (their kiosk profile) wins over the screen's cookie, for the
            # page and for the messages stored after it (LocaleMiddleware resets it next request).
            if inmate is not None:
                speak(request, inmate.language)
            with timezone.override(device.facility.time_zone):
                response = view(scoped, *args, **kwargs)
                if isinstance(response, TemplateResponse) and not response.is_rendered:
                    response.render()
            return response

        wrapper.kiosk_gate = "person" if person else "device"  # type: ignore[attr-defined]
        return wrapper

    return decorator
