from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation

from kinframe.languages import supported_language

from .mfa import (
    ENROLMENT_ONLY_SESSION_KEY,
    ENROLMENT_ONLY_URL_NAMES,
    ENROLMENT_URL_NAMES,
    enrolment_blocked,
    enrolment_open,
    has_second_factor,
    second_factor_redirect,
)


class AccountLanguageMiddleware:
    """A signed-in person's chosen language wins over the cookie and the browser.

    Runs after ``LocaleMiddleware`` (cookie, then Accept-Language) and authentication: a sender who
    chose Spanish on a phone gets Spanish on a borrowed laptop too.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and (chosen := supported_language(user.language)):
            translation.activate(chosen)
            request.LANGUAGE_CODE = chosen
        return self.get_response(request)


def activate_account_language_on_login(sender, request, user, **kwargs) -> None:
    """``user_logged_in`` receiver: the rest of the sign-in request speaks the person's language.

    The middleware above ran while the visitor was anonymous, so without this the "Signed in as"
    message (rendered in this request) would come in the browser's language, not the account's.
    """
    chosen = supported_language(getattr(user, "language", ""))
    if chosen and request is not None:
        translation.activate(chosen)
        request.LANGUAGE_CODE = chosen


class AdminSecondFactorMiddleware:
    """Operators use a second factor for the Django admin, as staff do for the console.

    The admin's own login page is replaced by allauth's (``secure_admin_login`` in urls.py), which
    asks for the TOTP code; this catches any session that got in another way.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.admin_prefix = None

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self.admin_prefix is None:
            self.admin_prefix = reverse("admin:index")
        user = request.user
        if request.path.startswith(self.admin_prefix) and user.is_authenticated and user.is_staff:
            elsewhere = second_factor_redirect(request)
            if elsewhere is not None:
                return elsewhere
        return self.get_response(request)


class SecondFactorEnrolmentMiddleware:
    """Staff and operators reach allauth's pages that add an authenticator only through a link.

    allauth opens those pages to anyone signed in; for staff without a second factor they stay
    closed until the session has used an enrolment link (``accounts.mfa``). Senders are not staff
    and may add an authenticator whenever they like. A session that signed in as staff without a
    second factor (``confine_to_enrolment``) reaches nothing else until one is set up.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        match = request.resolver_match
        url_name = match.url_name if match is not None else None
        if url_name in ENROLMENT_URL_NAMES:
            return redirect("mfa_enrolment_required") if enrolment_blocked(request) else None
        if (
            not request.session.get(ENROLMENT_ONLY_SESSION_KEY)
            or url_name in ENROLMENT_ONLY_URL_NAMES
        ):
            return None
        if not request.user.is_authenticated or has_second_factor(request.user):
            request.session.pop(ENROLMENT_ONLY_SESSION_KEY, None)
            return None
        return redirect("mfa_index" if enrolment_open(request) else "mfa_enrolment_required")
