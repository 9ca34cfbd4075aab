"""Who is at the kiosk: sign-in with facility code, inmate number and PIN; the one check every page calls.

Incarcerated people are not Django users. A kiosk session holds the inmate's id and the time of their
last request; it ends at sign-out, after ``KIOSK_IDLE_SECONDS`` without a request, or as soon as the
person is no longer active. Failed PINs are counted per facility code and number in the cache, so an
unknown number locks out exactly like a real one and the messages never tell whether a number exists.
The cache must be shared by all web processes for the limit to hold: with several processes set
``CACHES`` to a shared backend (database or Redis); the default local-memory cache is per process.
"""

from __future__ import annotations

import secrets
import time
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.hashers import make_password
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone

from kinframe.audit.actors import SYSTEM, Actor
from kinframe.audit.services import audit_log
from kinframe.facilities.models import Inmate

SESSION_INMATE = "kiosk_inmate_id"
SESSION_SEEN = "kiosk_last_seen"
LOCKOUT_SECONDS = 15 * 60
# The last-seen time is saved at most this often, so a gallery loading two dozen thumbnails does not
# write the session two dozen times; the idle timeout is exact to within this many seconds.
SEEN_RESOLUTION = 10


class SignInFailed(Exception):
    """The facility code, number and PIN did not open a session; ``str(exc)`` is safe to show."""

    def __init__(self, message: str, *, locked: bool = False):
        super().__init__(message)
        self.locked = locked


GENERIC_FAILURE = (
    "We could not sign you in. Check the facility code, your number and your PIN, "
    "or ask a staff member for help."
)
LOCKED_OUT = (
    "Too many wrong PINs. Wait 15 minutes and try again, or ask a staff member to reset your PIN."
)


DEVICE_LOCKED_OUT = (
    "Too many wrong PINs on this screen. Wait 15 minutes, or ask a staff member for help."
)


DEVICE_COOKIE = "kiosk_device"
DEVICE_SALT = "kinframe.kiosk.device"


def device_id(request: HttpRequest) -> str:
    """Which screen this is: the signed random id its sign-in page gave it, else its address.

    Not the address alone: a facility's kiosks usually reach us through one NAT address, and a
    limit per address would let one person lock every screen in the building.
    """
    screen = request.get_signed_cookie(DEVICE_COOKIE, default=None, salt=DEVICE_SALT)
    return f"screen:{screen}" if screen else f"address:{request.META.get('REMOTE_ADDR', '')}"


def remember_device(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """Give a screen that has no id one, for ``device_id``."""
    if request.get_signed_cookie(DEVICE_COOKIE, default=None, salt=DEVICE_SALT) is None:
        response.set_signed_cookie(
            DEVICE_COOKIE,
            secrets.token_urlsafe(16),
            salt=DEVICE_SALT,
            max_age=10 * 365 * 24 * 3600,
            httponly=True,
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
        )
    return response


def _count_failure(key: str) -> int:
    """Add one failure atomically (two screens failing at once both count) and return the total."""
    cache.add(key, 0, LOCKOUT_SECONDS)
    try:
        failures = cache.incr(key)
        cache.touch(key, LOCKOUT_SECONDS)  # locked until 15 minutes after the last wrong PIN
        return failures
    except ValueError:  # expired between add and incr
        cache.set(key, 1, LOCKOUT_SECONDS)
        return 1


def _device_key(request: HttpRequest) -> str:
    return f"kiosk:pin-failures-device:{device_id(request)}"


def _failures_key(facility_code: str, number: str) -> str:
    return f"kiosk:pin-failures:{facility_code.strip().lower()}:{number.strip().upper()}"


def _find_inmate(facility_code: str, number: str) -> Inmate | None:
    matches = list(
        Inmate.objects.active()
        .select_related("facility")
        .filter(facility__code__iexact=facility_code.strip(), number__iexact=number.strip())[:2]
    )
    return matches[0] if len(matches) == 1 else None


def kiosk_sign_in(request: HttpRequest, *, facility_code: str, number: str, pin: str) -> Inmate:
    """Check the PIN and start a kiosk session, or raise ``SignInFailed`` with a generic message."""
    key = _failures_key(facility_code, number)
    failures = cache.get(key, 0)
    if failures >= settings.KIOSK_PIN_MAX_ATTEMPTS:
        raise SignInFailed(LOCKED_OUT, locked=True)
    # The per-number limit does not stop one screen trying a common PIN against many numbers;
    # this one does: wrong PINs from one device, whatever the numbers, are limited too.
    device_key = _device_key(request)
    if cache.get(device_key, 0) >= settings.KIOSK_PIN_MAX_FAILURES_PER_DEVICE:
        raise SignInFailed(DEVICE_LOCKED_OUT, locked=True)
    inmate = _find_inmate(facility_code, number)
    if inmate is None:
        make_password(pin)  # spend the same time as a real check, so timing tells nothing either
        ok = False
    else:
        ok = inmate.check_pin(pin)
    if not ok:
        failures = _count_failure(key)
        _count_failure(device_key)
        if inmate is not None:
            # Whoever typed the wrong PIN is unknown: the event is the system's, about the inmate.
            audit_log(
                "kiosk.sign_in_failed", actor=SYSTEM, target=inmate, data={"failures": failures}
            )
            if failures >= settings.KIOSK_PIN_MAX_ATTEMPTS:
                audit_log("kiosk.locked_out", actor=SYSTEM, target=inmate)
        if failures >= settings.KIOSK_PIN_MAX_ATTEMPTS:
            raise SignInFailed(LOCKED_OUT, locked=True)
        raise SignInFailed(GENERIC_FAILURE)
    assert inmate is not None
    cache.delete(key)
    # A fresh session: nothing from whoever used this screen before (a staff login, another
    # person's kiosk session) survives, and the old session key is no longer valid.
    request.session.flush()
    request.session[SESSION_INMATE] = inmate.pk
    request.session[SESSION_SEEN] = int(time.time())
    audit_log("kiosk.signed_in", actor=Actor.inmate_at_kiosk(inmate), target=inmate)
    return inmate


def kiosk_sign_out(request: HttpRequest) -> None:
    inmate_id = request.session.get(SESSION_INMATE)
    if inmate_id:
        inmate = Inmate.objects.filter(pk=inmate_id).first()
        if inmate is not None:
            audit_log("kiosk.signed_out", actor=Actor.inmate_at_kiosk(inmate), target=inmate)
    request.session.flush()


def current_inmate(request: HttpRequest) -> Inmate | None:
    """The active inmate signed in on this kiosk session, or None (and the session is ended).

    Each call counts as activity and pushes the idle timeout back.
    """
    if hasattr(request, "_kiosk_inmate"):
        return request._kiosk_inmate
    inmate = None
    inmate_id = request.session.get(SESSION_INMATE)
    if inmate_id is not None:
        seen = request.session.get(SESSION_SEEN, 0)
        now = int(time.time())
        if now - seen > settings.KIOSK_IDLE_SECONDS:
            request.session.flush()
            request._kiosk_timed_out = True
        else:
            inmate = Inmate.objects.active().select_related("facility").filter(pk=inmate_id).first()
            if inmate is None:
                request.session.flush()
            elif now - seen >= SEEN_RESOLUTION:
                request.session[SESSION_SEEN] = now
    request._kiosk_inmate = inmate
    return inmate


def kiosk_login_required(view):
    """Only for a signed-in inmate (``request.inmate``); anybody else goes to the kiosk sign-in."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        inmate = current_inmate(request)
        if inmate is None:
            if getattr(request, "_kiosk_timed_out", False):
                messages.info(request, "You were signed out because the screen was not used.")
            return redirect("kiosk:sign_in")
        request.inmate = inmate
        # Dates on the kiosk are the facility's local dates, not the server's. A TemplateResponse
        # renders after the view returns, so render it while the zone is active.
        with timezone.override(inmate.facility.time_zone):
            response = view(request, *args, **kwargs)
            if hasattr(response, "render") and not response.is_rendered:
                response.render()
        return response

    return wrapper
