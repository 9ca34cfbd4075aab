"""Writes to accounts. allauth's adapter calls these, so its hooks stay thin like any view."""

from __future__ import annotations

from django.db import transaction

from kinframe.audit.actors import Actor
from kinframe.audit.services import audit_log

from .models import User
from .phones import normalize_phone


@transaction.atomic
def user_set_phone(*, user: User, phone: str, verified: bool = False) -> User:
    """Give ``user`` a (new) mobile number; a changed number must be verified again."""
    locked = User.objects.select_for_update().get(pk=user.pk)
    phone = normalize_phone(phone)
    if locked.phone == phone and locked.phone_verified == verified:
        return locked
    previous = locked.phone
    locked.phone = phone
    locked.phone_verified = verified
    locked.save(update_fields=["phone", "phone_verified"])
    audit_log(
        "account.phone_set",
        actor=Actor.for_user(locked),
        target=locked,
        data={"changed": bool(previous) and previous != phone, "verified": verified},
    )
    user.phone, user.phone_verified = locked.phone, locked.phone_verified
    return locked


@transaction.atomic
def user_verify_phone(*, user: User, phone: str) -> User:
    """Record that ``user`` proved they hold ``phone``: a code texted to it came back.

    At sign-up (or sign-in) that is the number already on the account; when a signed-in user
    changes their number, allauth verifies the new one first, and only then does it replace the old.
    """
    phone = normalize_phone(phone)
    locked = User.objects.select_for_update().get(pk=user.pk)
    if locked.phone == phone and locked.phone_verified:
        return locked
    if User.objects.filter(phone=phone).exclude(pk=locked.pk).exists():
        # Someone else holds the number (verified after this code was sent); keep things as they are.
        return locked
    previous = locked.phone
    locked.phone = phone
    locked.phone_verified = True
    locked.save(update_fields=["phone", "phone_verified"])
    audit_log(
        "account.phone_verified",
        actor=Actor.for_user(locked),
        target=locked,
        data={"changed": bool(previous) and previous != phone},
    )
    user.phone, user.phone_verified = locked.phone, locked.phone_verified
    return locked
