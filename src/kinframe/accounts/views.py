"""The account pages allauth does not have: the language switch and second-factor enrolment.

``language_set`` serves every audience's switch except the kiosk's (which stores the choice on
the person's kiosk profile instead).
``enrolment_required`` is all a staff member without a second factor sees after signing in with
the password; ``enrolment_link`` is where the one-time link from their facility admin leads, and
using it opens allauth's set-up pages (TOTP, WebAuthn) for this session.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kinframe.audit.actors import Actor
from kinframe.languages import supported_language

from .access import signed_in_user
from .mfa import enrolment_blocked, open_enrolment
from .middleware import PENDING_LOGIN_LANGUAGE_KEY
from .services import EnrolmentLinkError, enrolment_link_redeem, user_language_set


def remember_language(response: HttpResponse, request: HttpRequest, language: str) -> HttpResponse:
    """Set the language cookie LocaleMiddleware reads, for the next visits of this browser."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE or 365 * 24 * 3600,
        samesite="Lax",
        secure=request.is_secure(),
        httponly=True,
    )
    return response


@require_POST
def language_set(request: HttpRequest) -> HttpResponse:
    """Switch the site's language; a signed-in person keeps it on their account (and notices)."""
    language = supported_language(request.POST.get("language"))
    if language is None:
        return HttpResponse(_("Choose one of the languages offered."), status=400)
    if request.user.is_authenticated:
        user_language_set(actor=Actor.for_user(signed_in_user(request)), language=language)
    else:
        request.session.pop(PENDING_LOGIN_LANGUAGE_KEY, None)  # the switch wins over the account's
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    return remember_language(redirect(target), request, language)


@require_http_methods(["GET"])
def enrolment_required(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not enrolment_blocked(request):
        return redirect("mfa_index")
    return render(request, "mfa/enrolment_required.html", status=403)


@require_http_methods(["GET", "POST"])
def enrolment_link(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks for a click (mail scanners open links; only a person should use one); POST uses it."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if request.method == "GET":
        return render(request, "mfa/enrolment_link.html")
    user = signed_in_user(request)
    try:
        enrolment_link_redeem(actor=Actor.for_user(user), user=user, token=token)
    except EnrolmentLinkError as error:
        return render(request, "mfa/enrolment_link.html", {"error": str(error)}, status=400)
    open_enrolment(request)
    messages.success(
        request,
        _("Set up an authenticator app or a security key now; this page stays open 30 minutes."),
    )
    return redirect("mfa_index")
