"""Second factor for staff and operators: the console and the admin ask this before anything else."""

from __future__ import annotations

from urllib.parse import urlencode

from allauth.account.authentication import get_authentication_records
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from .access import signed_in_user


def has_totp(user) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def staff_needs_mfa_setup(user) -> bool:
    """True when the console requires MFA and ``user`` has no authenticator app (TOTP) yet.

    ``second_factor_redirect`` sends such a user to ``mfa_activate_totp``; allauth then asks for a code at
    every sign-in.
    """
    if not getattr(settings, "CONSOLE_REQUIRE_MFA", False):
        return False
    if not user.is_authenticated:
        return False
    return not has_totp(user)


def session_passed_second_factor(request: HttpRequest) -> bool:
    """Whether this session's sign-in included a TOTP code.

    allauth records each method used in the session; a device enrolled after this sign-in counts
    too, since enrolling it meant typing a valid code. Having a device is not enough: Django's own
    admin login, for one, never asks for the code.
    """
    user = signed_in_user(request)
    records = get_authentication_records(request, user)
    if any(record.get("method") == "mfa" for record in records):
        return True
    totp = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    last_login = user.last_login
    return totp is not None and last_login is not None and totp.created_at >= last_login


def second_factor_redirect(request: HttpRequest) -> HttpResponse | None:
    """Where a signed-in staff member or operator must go before the console or the admin, if anywhere.

    None when ``CONSOLE_REQUIRE_MFA`` is off or the session passed a second factor; the TOTP set-up
    page for someone without an authenticator app; the sign-in page (after signing out) for someone
    who has one but did not use it in this session.
    """
    if not settings.CONSOLE_REQUIRE_MFA:
        return None
    if staff_needs_mfa_setup(request.user):
        messages.warning(
            request, "Staff must use a second factor. Set up an authenticator app to continue."
        )
        return redirect("mfa_activate_totp")
    if session_passed_second_factor(request):
        return None
    logout(request)
    messages.info(request, "Sign in again with the code from your authenticator app.")
    return redirect(f"{reverse('account_login')}?{urlencode({'next': request.get_full_path()})}")
