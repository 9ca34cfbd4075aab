"""Typed access to the signed-in person behind a request."""

from __future__ import annotations

from django.http import HttpRequest

from .models import User


def signed_in_user(request: HttpRequest) -> User:
    """``request.user`` as a ``User``, for code that runs only after a sign-in check let it through.

    Django types ``request.user`` as ``User | AnonymousUser``; views behind ``login_required`` (and
    the console's and admin's second-factor checks) know better, and this says so in one place.
    """
    user = request.user
    assert isinstance(user, User), "only for requests that passed a sign-in check"
    return user
