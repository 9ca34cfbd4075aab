from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from kinframe.languages import speak, supported_language

from .mfa import (
    ENROLMENT_ONLY_SESSION_KEY,
    ENROLMENT_ONLY_URL_NAMES,
    ENROLMENT_URL_NAMES,
    enrolment_blocked,
    enrolment_open,
    has_second_factor,
    second_factor_redirect,
)

# A sign-in that passed the password but still has a step to go (a code by email or text, the
# second factor) is not signed in yet; the account's language is kept here for those pages.
PENDING_LOGIN_LANGUAGE_KEY = "kinframe_login_language"


class AccountLanguageMiddleware:
    """A signed-in person's chosen language wins over the cookie and the browser.

    Runs after ``LocaleMiddleware`` (cookie, then Accept-Language) and authentication: a sender who
    chose Spanish on a phone gets Spanish on a borrowed laptop too, from the code pages of the
    sign-in on (``remember_login_language``).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated:
            speak(request, user.language)
        elif settings.SESSION_COOKIE_NAME in request.COOKIES:
            # Only a visitor with a session can be half-way through a sign-in; reading the session
            # of anyone else would mark every anonymous response "Vary: Cookie".
            speak(request, request.session.get(PENDING_LOGIN_LANGUAGE_KEY))
        return self.get_response(request)


def remember_login_language(request: HttpRequest, user) -> None:
    """At a sign-in's first step (the password was right): speak the account's language from here.

    Only the account's holder gets this far, so showing their language reveals nothing. The
    language switch clears it for an anonymous visitor (``views.language_set``).
    """
    chosen = supported_language(getattr(user, "language", ""))
    if chosen:
        request.session[PENDING_LOGIN_LANGUAGE_KEY] = chosen
        speak(request, chosen)


def activate_account_language_on_login(sender, request, user, **kwargs) -> None:
    """``user_logged_in`` receiver: the rest of the sign-in request speaks the person's language.

    The middleware above ran while the visitor was anonymous, so without this the "Signed in as"
    message (rendered in this request) would come in the browser's language, not the account's.
    """
    if request is not None:
        speak(request, getattr(user, "language", ""))


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
