"""Which account a sign-in attempt is aimed at, so failed attempts lock the account, not a spelling.

A sender signs in with a username, an email address or a mobile number; all three name one
``User``. Counting failures per account means five wrong passwords for ``+12025557163`` also lock
``(202) 555-7163``, ``mara`` and ``mara@example.com``. An identifier that names nobody is counted
under its normalised form (E.164 for numbers, lower case otherwise), so guessing at an unknown
number in different spellings is counted once too, and the answer never reveals whether an
account exists.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from allauth.account.models import EmailAddress

from .models import User
from .phones import try_normalize_phone


def login_target(credentials: Mapping[str, Any]) -> User | None:
    """The one user the typed identifier names, or None (unknown, or ambiguous)."""
    email = str(credentials.get("email") or "").strip()
    if email:
        user_ids = set(
            EmailAddress.objects.filter(email__iexact=email).values_list("user_id", flat=True)
        ) | set(User.objects.filter(email__iexact=email).values_list("pk", flat=True))
        if len(user_ids) == 1:
            return User.objects.filter(pk=user_ids.pop()).first()
    phone = try_normalize_phone(str(credentials.get("phone") or ""))
    if phone:
        user = User.objects.filter(phone=phone).first()
        if user is not None:
            return user
    username = str(credentials.get("username") or "").strip()
    if username:
        matches = list(User.objects.filter(username__iexact=username)[:2])
        if len(matches) == 1:
            return matches[0]
    return None


def login_lockout_key(credentials: Mapping[str, Any]) -> str:
    """``user:<pk>`` for a known account; otherwise the identifier's normalised spelling."""
    user = login_target(credentials)
    if user is not None:
        return f"user:{user.pk}"
    typed = str(
        credentials.get("email") or credentials.get("phone") or credentials.get("username") or ""
    ).strip()
    phone = try_normalize_phone(typed) if typed and "@" not in typed else None
    if phone:
        return f"phone:{phone}"
    return f"login:{typed.lower()}"
