"""Response headers every page carries: Permissions-Policy, and no caching of signed-in pages.

The Content Security Policy comes from django-csp (``csp.middleware.CSPMiddleware``, policy in
settings.py); HSTS, the SSL redirect, nosniff and the referrer policy from Django's
``SecurityMiddleware``. What neither covers lives here.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers

from kinframe.kiosk.access import SESSION_INMATE

NO_STORE = "private, no-store"


class PermissionsPolicyMiddleware:
    """Turn off browser features no Kinframe page uses (camera, microphone, location, ...).

    A file input with ``capture`` opens the phone's camera through the operating system's picker,
    which this header does not affect; WebAuthn keeps its default (this origin only).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        policy = settings.PERMISSIONS_POLICY
        if policy and "Permissions-Policy" not in response:
            response["Permissions-Policy"] = policy
        return response


def is_signed_in(request: HttpRequest) -> bool:
    """A web user with a session, or a person signed in at a kiosk."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return True
    session = getattr(request, "session", None)
    return session is not None and session.get(SESSION_INMATE) is not None


class PrivatePagesMiddleware:
    """``Cache-Control: private, no-store`` on every response to someone signed in.

    Balances, photos, names and numbers must not stay in a shared proxy or in the browser's cache
    for the next person at a library computer or a kiosk to find with the back button. A view that
    already chose private caching (the photo file views) keeps its own header.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not is_signed_in(request):
            return response
        current = response.get("Cache-Control", "")
        if "private" not in current.lower():
            response["Cache-Control"] = NO_STORE
            response.headers.pop("Expires", None)
        patch_vary_headers(response, ["Cookie"])
        return response
