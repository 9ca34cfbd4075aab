"""Second factor for staff and operators: the console and the admin ask this before anything else.

Staff and operators enrol a second factor (an authenticator app or a security key) only through a
one-time link issued by a facility admin or an operator (``services.enrolment_link_issue``). Using
the link opens the set-up pages for this session for ``ENROLMENT_WINDOW`` seconds; without it, a
staff member who signed in with the password alone is told to ask for one and sees nothing else.
So a stolen password is not enough to enrol the thief's own authenticator.
"""

from __future__ import annotations

import time
from urllib.parse import urlencode

from allauth.account.authentication import get_authentication_records
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from kinframe.facilities.models import StaffMembership

from .access import signed_in_user

SECOND_FACTOR_TYPES = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)
ENROLMENT_SESSION_KEY = "kinframe_mfa_enrolment_until"
# Set at sign-in for staff without a second factor (when the console requires one): until they
# have one, the session reaches only the pages below and the set-up pages.
ENROLMENT_ONLY_SESSION_KEY = "kinframe_mfa_enrolment_only"
ENROLMENT_ONLY_URL_NAMES = frozenset(
    {
        "mfa_enrolment_required",
        "mfa_enrolment_link",
        "account_logout",
        "account_login",
        "account_reauthenticate",
        "mfa_reauthenticate",
    }
)
ENROLMENT_WINDOW = 30 * 60
# allauth's pages that add an authenticator (or lead to them): closed to staff without a link.
ENROLMENT_URL_NAMES = frozenset(
    {
        "mfa_index",
        "mfa_activate_totp",
        "mfa_add_webauthn",
        "mfa_list_webauthn",
        "mfa_generate_recovery_codes",
        "mfa_view_recovery_codes",
        "mfa_download_recovery_codes",
    }
)


def has_second_factor(user) -> bool:
    """An authenticator app or a security key/passkey (recovery codes alone do not count)."""
    return Authenticator.objects.filter(user=user, type__in=SECOND_FACTOR_TYPES).exists()


def is_staff_or_operator(user) -> bool:
    if not user.is_authenticated:
        return False
    return user.is_superuser or StaffMembership.objects.filter(user=user).exists()


def staff_needs_mfa_setup(user) -> bool:
    """True when the console requires MFA and ``user`` has no second factor yet."""
    if not getattr(settings, "CONSOLE_REQUIRE_MFA", False):
        return False
    if not user.is_authenticated:
        return False
    return not has_second_factor(user)


def enrolment_open(request: HttpRequest) -> bool:
    """Whether this session used an enrolment link recently enough to set up a second factor."""
    return float(request.session.get(ENROLMENT_SESSION_KEY, 0)) > time.time()


def open_enrolment(request: HttpRequest) -> None:
    request.session[ENROLMENT_SESSION_KEY] = time.time() + ENROLMENT_WINDOW


def enrolment_blocked(request: HttpRequest) -> bool:
    """Staff or an operator without a second factor, in a session that used no enrolment link."""
    user = request.user
    if not is_staff_or_operator(user) or enrolment_open(request):
        return False
    return not has_second_factor(user)


def confine_to_enrolment(request: HttpRequest, user) -> None:
    """At sign-in: a staff member or operator without a second factor sees only the enrolment pages."""
    if settings.CONSOLE_REQUIRE_MFA and is_staff_or_operator(user) and not has_second_factor(user):
        request.session[ENROLMENT_ONLY_SESSION_KEY] = True


def confine_to_enrolment_on_login(sender, request, user, **kwargs) -> None:
    """``user_logged_in`` receiver (connected in ``AccountsConfig.ready``)."""
    if request is not None and hasattr(request, "session"):
        confine_to_enrolment(request, user)


def session_passed_second_factor(request: HttpRequest) -> bool:
    """Whether this session's sign-in included a second factor.

    allauth records each method used in the session; a device enrolled after this sign-in counts
    too, since enrolling it meant using it. Having a device is not enough: Django's own admin
    login, for one, never asks for the code.
    """
    user = signed_in_user(request)
    records = get_authentication_records(request, user)
    if any(record.get("method") == "mfa" for record in records):
        return True
    last_login = user.last_login
    return (
        last_login is not None
        and Authenticator.objects.filter(
            user=user, type__in=SECOND_FACTOR_TYPES, created_at__gte=last_login
        ).exists()
    )


def second_factor_redirect(request: HttpRequest) -> HttpResponse | None:
    """Where a signed-in staff member or operator must go before the console or the admin, if anywhere.

    None when ``CONSOLE_REQUIRE_MFA`` is off or the session passed a second factor; the set-up
    pages for someone without one who used an enrolment link, else the page that tells them to ask
    for a link; the sign-in page (after signing out) for someone who has one but did not use it in
    this session.
    """
    if not settings.CONSOLE_REQUIRE_MFA:
        return None
    if staff_needs_mfa_setup(request.user):
        if enrolment_open(request):
            return redirect("mfa_index")
        return redirect("mfa_enrolment_required")
    if session_passed_second_factor(request):
        return None
    logout(request)
    messages.info(request, _("Sign in again with your second factor."))
    return redirect(f"{reverse('account_login')}?{urlencode({'next': request.get_full_path()})}")
