"""Actors for tests that call services directly, built the way each audience's gate builds them."""

from kinframe.audit.actors import SYSTEM, Actor
from kinframe.facilities.models import StaffMembership

__all__ = ["SYSTEM", "as_inmate", "as_operator", "as_sender", "as_staff"]


def as_sender(user) -> Actor:
    return Actor.sender(user)


def as_inmate(inmate) -> Actor:
    return Actor.inmate_at_kiosk(inmate)


def as_operator(user) -> Actor:
    return Actor.operator(user)


def as_staff(user, facility=None) -> Actor:
    """``user`` acting through their membership (at ``facility`` if they work at several)."""
    memberships = StaffMembership.objects.select_related("facility", "user").filter(user=user)
    if facility is not None:
        memberships = memberships.filter(facility=facility)
    membership = memberships.first()
    if membership is None:
        raise AssertionError(f"{user} has no staff membership for a staff actor")
    return Actor.staff(membership)
