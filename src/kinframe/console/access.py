"""The one access check every console page calls.

Like healthchecks' ``_get_project_for_user``: a view names the facility (by its code) and the roles
it needs, and ``staff_facility`` returns the facility and the caller's membership or raises 404. A
404 rather than a 403 means nobody outside a facility can learn which codes exist or which photos
belong to them. Operators (superusers) may see every facility and act as its facility admin.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse

from kinframe.accounts.mfa import second_factor_redirect
from kinframe.facilities.models import Facility, StaffMembership

Role = StaffMembership.Role

# Which roles each kind of console page needs. Views pass these to ``staff_facility``; templates read
# them through ``console_permissions`` to show only the links that will open.
REVIEW_ROLES = (Role.REVIEWER, Role.ADMIN)
HISTORY_ROLES = (Role.REVIEWER, Role.ADMIN, Role.INVESTIGATOR)
AUDIT_ROLES = (Role.INVESTIGATOR, Role.ADMIN)
CONNECTION_ROLES = (Role.REVIEWER, Role.ADMIN)
SETTINGS_ROLES = (Role.ADMIN,)


def is_staff_user(user) -> bool:
    """Someone who works at a facility, or an operator."""
    if not user.is_authenticated:
        return False
    return user.is_superuser or StaffMembership.objects.filter(user=user).exists()


def staff_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed-in facility staff (or an operator) with a second factor where the site requires one.

    Anonymous visitors go to the sign-in page and come back; signed-in people who are not staff get
    a 404, so the console does not advertise itself to senders.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_staff_user(request.user):
            raise Http404("No such page.")
        if (elsewhere := second_factor_redirect(request)) is not None:
            return elsewhere
        return view(request, *args, **kwargs)

    return wrapper


def staff_facility(
    request: HttpRequest, code: str, *, roles: Iterable[str] | None = None
) -> tuple[Facility, StaffMembership]:
    """The facility named by ``code`` and the caller's membership there, or Http404.

    ``roles`` limits the page to those roles; a member with another role gets the same 404 as a
    stranger. An operator gets an unsaved membership with the facility admin role.
    """
    user = request.user
    if not user.is_authenticated:
        raise Http404("No such facility.")
    if user.is_superuser:
        try:
            facility = Facility.objects.get(code=code)
        except Facility.DoesNotExist:
            raise Http404("No such facility.") from None
        return facility, StaffMembership(user=user, facility=facility, role=Role.ADMIN)
    try:
        membership = StaffMembership.objects.select_related("facility").get(
            user=user, facility__code=code
        )
    except StaffMembership.DoesNotExist:
        raise Http404("No such facility.") from None
    if roles is not None and membership.role not in set(roles):
        raise Http404("No such page.")
    return membership.facility, membership


def console_permissions(membership: StaffMembership) -> dict[str, bool]:
    """What the navigation may link to for this member."""
    role = membership.role
    return {
        "review": role in REVIEW_ROLES,
        "history": role in HISTORY_ROLES,
        "connections": role in CONNECTION_ROLES,
        "audit": role in AUDIT_ROLES,
        "settings": role in SETTINGS_ROLES,
    }
