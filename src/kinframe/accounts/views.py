"""The two pages of second-factor enrolment that allauth does not have.

``enrolment_required`` is all a staff member without a second factor sees after signing in with
the password; ``enrolment_link`` is where the one-time link from their facility admin leads, and
using it opens allauth's set-up pages (TOTP, WebAuthn) for this session.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from kinframe.audit.actors import Actor

from .access import signed_in_user
from .mfa import enrolment_blocked, open_enrolment
from .services import EnrolmentLinkError, enrolment_link_redeem


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
        "Set up an authenticator app or a security key now; this page stays open 30 minutes.",
    )
    return redirect("mfa_index")
