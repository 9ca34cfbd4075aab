"""The one access check every sender page calls."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest
from django.shortcuts import redirect

from kinframe.accounts.models import User
from kinframe.accounts.stages import UNVERIFIED_MESSAGE, has_verified_contact
from kinframe.audit.actors import Actor


def is_verified(user) -> bool:
    """A sender may act once one contact (an email address or a mobile number) is verified."""
    if not user.is_authenticated:
        return False
    return has_verified_contact(user)


def verification_url_name(user) -> str:
    """Where a signed-in but unverified sender goes: the page that can send them a code."""
    if user.phone and not user.email:
        return "account_change_phone"  # re-sends the SMS code for the unverified number
    return "account_email"


class SenderRequest(HttpRequest):
    """The request a sender page receives: ``actor`` is the signed-in, verified sender."""

    actor: Actor
    user: User


def verified_sender_required(view):
    """Signed in and verified; otherwise to the sign-in or verification page with a message.

    Sets ``request.actor``, the ``Actor`` the page passes to every service it calls.
    """

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not is_verified(request.user):
            messages.warning(request, UNVERIFIED_MESSAGE)
            return redirect(verification_url_name(request.user))
        request.actor = Actor.sender(request.user)
        return view(request, *args, **kwargs)

    return wrapper
