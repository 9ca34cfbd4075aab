"""Second factor for staff: the console asks this before showing a staff member anything."""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from django.conf import settings


def has_totp(user) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def staff_needs_mfa_setup(user) -> bool:
    """True when the console requires MFA and ``user`` has no authenticator app (TOTP) yet.

    The console redirects such a user to ``mfa_activate_totp``; allauth then asks for a code at
    every sign-in.
    """
    if not getattr(settings, "CONSOLE_REQUIRE_MFA", False):
        return False
    if not user.is_authenticated:
        return False
    return not has_totp(user)
