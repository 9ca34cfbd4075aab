"""The one access check every sender page calls."""

from __future__ import annotations

from functools import wraps

from allauth.account.models import EmailAddress
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect


def is_verified(user) -> bool:
    """A sender may act once one contact (an email address or a mobile number) is verified."""
    if not user.is_authenticated:
        return False
    if getattr(user, "phone_verified", False):
        return True
    return EmailAddress.objects.filter(user=user, verified=True).exists()


def verified_sender_required(view):
    """Signed in and verified; otherwise to the sign-in or verification page with a message."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not is_verified(request.user):
            messages.warning(request, "Verify your email address or mobile number to continue.")
            return redirect("account_email")
        return view(request, *args, **kwargs)

    return wrapper
