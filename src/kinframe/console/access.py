"""The one gate every console page passes through.

A facility page is declared with ``@console_view(roles=...)``: the gate signs the caller in (with
the second factor), resolves the facility named by the URL's ``code`` and the caller's membership
there, checks the role, and hands the view a ``ConsoleRequest`` whose ``console`` holds the
facility, the membership and the ``Actor`` that the view passes to services. A context processor
feeds the same scope to every template. Like healthchecks' ``_get_project_for_user`` and pretix's
``control/permissions.py``: a stranger, or a member whose role the page does not allow, gets a 404
rather than a 403, so nobody outside a facility learns which codes exist or which photos belong to
them. Operators (superusers) may see every facility and act as its facility admin. An agency-wide
investigator (``AgencyMembership``) opens the pages an investigator may open, read-only, at every
facility of the agency, as an investigator of that facility.

``tests/console/test_console_gate.py`` walks the URL list and fails for any console view that was
not declared through this module.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase

from kinframe.accounts.mfa import second_factor_redirect
from kinframe.audit.actors import Actor
from kinframe.facilities.models import AgencyMembership, Facility, StaffMembership

Role = StaffMembership.Role

# Which roles each kind of console page needs. Views pass these to ``staff_facility``; templates read
# them through ``console_permissions`` to show only the links that will open.
REVIEW_ROLES = (Role.REVIEWER, Role.ADMIN)
HISTORY_ROLES = (Role.REVIEWER, Role.ADMIN, Role.INVESTIGATOR)
AUDIT_ROLES = (Role.INVESTIGATOR, Role.ADMIN)
INVESTIGATION_ROLES = (Role.INVESTIGATOR, Role.ADMIN)
REPORT_ROLES = (Role.INVESTIGATOR, Role.ADMIN)
CONNECTION_ROLES = (Role.REVIEWER, Role.ADMIN)
SETTINGS_ROLES = (Role.ADMIN,)
# Blocks, suspensions and the watch list: investigators read them, only facility admins change them.
RESTRICTION_VIEW_ROLES = (Role.ADMIN, Role.INVESTIGATOR)
RESTRICTION_ROLES = (Role.ADMIN,)
# Booking, correcting, moving and releasing people, and resetting their kiosk PIN.
PEOPLE_ROLES = (Role.ADMIN,)


def is_staff_user(user) -> bool:
    """Someone who works at a facility, or an operator."""
    if not user.is_authenticated:
        return False
    return (
        user.is_superuser
        or StaffMembership.objects.filter(user=user).exists()
        or AgencyMembership.objects.filter(user=user).exists()
    )


def _signed_in_staff(request: HttpRequest) -> HttpResponse | None:
    """None when the caller is staff who passed the second factor; else where they must go."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not is_staff_user(request.user):
        raise Http404("No such page.")
    return second_factor_redirect(request)


def staff_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """For the console pages that belong to no one facility (the front page).

    Signed-in facility staff (or an operator) with a second factor where the site requires one.
    Anonymous visitors go to the sign-in page and come back; signed-in people who are not staff get
    a 404, so the console does not advertise itself to senders.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if (elsewhere := _signed_in_staff(request)) is not None:
            return elsewhere
        return view(request, *args, **kwargs)

    wrapper.console_gate = "staff"  # type: ignore[attr-defined]
    return wrapper


@dataclass(frozen=True)
class ConsoleScope:
    """What the gate resolved for one request: where, as whom, and who acts."""

    facility: Facility
    membership: StaffMembership
    actor: Actor

    @property
    def can(self) -> dict[str, bool]:
        return console_permissions(self.membership)


class ConsoleRequest(HttpRequest):
    """The request a facility page receives: ``console`` is set by the gate."""

    console: ConsoleScope


def console_view(
    *, roles: Iterable[str] | None = None
) -> Callable[[Callable[..., HttpResponseBase]], Callable[..., HttpResponseBase]]:
    """Declare a facility page that ``roles`` may open (None: every role at the facility).

    The URL's ``code`` is consumed here; the view receives the other URL arguments.
    """
    allowed = tuple(roles) if roles is not None else None

    def decorator(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        @wraps(view)
        def wrapper(request: HttpRequest, code: str, *args: Any, **kwargs: Any) -> HttpResponseBase:
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            # The membership here, read first: a member is staff, so the page needs no separate
            # "is this staff at all" query (one query fewer on every console page). Anyone else
            # passes the same checks in the same order as a page outside any facility.
            here = None if user.is_superuser else _membership_at(user, code)
            if here is None and not is_staff_user(user):
                raise Http404("No such page.")
            if (elsewhere := second_factor_redirect(request)) is not None:
                return elsewhere
            facility, membership = staff_facility(request, code, roles=allowed, membership=here)
            scoped: ConsoleRequest = request  # type: ignore[assignment]
            scoped.console = ConsoleScope(
                facility=facility, membership=membership, actor=Actor.staff(membership)
            )
            return view(scoped, *args, **kwargs)

        wrapper.console_gate = allowed or "facility"  # type: ignore[attr-defined]
        return wrapper

    return decorator


_UNREAD = object()


def _membership_at(user, code: str) -> StaffMembership | None:
    """``user``'s membership at the facility ``code``, with the facility, or None."""
    return (
        StaffMembership.objects.select_related("facility").filter(user=user, facility__code=code)
    ).first()


def staff_facility(
    request: HttpRequest,
    code: str,
    *,
    roles: Iterable[str] | None = None,
    membership: StaffMembership | object | None = _UNREAD,
) -> tuple[Facility, StaffMembership]:
    """The facility named by ``code`` and the caller's membership there, or Http404.

    ``roles`` limits the page to those roles; a member with another role gets the same 404 as a
    stranger. An operator gets an unsaved membership with the facility admin role. ``membership``:
    the caller's membership at ``code`` (or None) if the gate has read it already.
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
    if membership is _UNREAD:
        membership = _membership_at(user, code)
    assert membership is None or isinstance(membership, StaffMembership)
    if membership is None or (roles is not None and membership.role not in set(roles)):
        # Not a member here, or not in a role this page allows: an agency-wide investigator may
        # still read, on the pages an investigator may open.
        agency_wide = _agency_investigator(user, code, roles)
        if agency_wide is not None:
            return agency_wide.facility, agency_wide
    if membership is None:
        raise Http404("No such facility.")
    membership.user = user  # the signed-in user, already loaded: no query for the actor's label
    if roles is not None and membership.role not in set(roles):
        raise Http404("No such page.")
    return membership.facility, membership


def _agency_investigator(user, code: str, roles: Iterable[str] | None) -> StaffMembership | None:
    """An unsaved investigator membership at ``code`` for a member of its agency, else None.

    Only pages that name the investigator role among theirs let an agency-wide member in: a page
    open to "every role" (``roles=None``) may hold actions, and agency-wide access is read-only.
    """
    if roles is None or Role.INVESTIGATOR not in set(roles):
        return None
    facility = (
        Facility.objects.select_related("agency")
        .filter(code=code, agency__memberships__user=user)
        .first()
    )
    if facility is None:
        return None
    membership = StaffMembership(user=user, facility=facility, role=Role.INVESTIGATOR)
    membership.agency_wide = True  # type: ignore[attr-defined]
    return membership


def is_agency_wide(membership: StaffMembership) -> bool:
    """Whether the caller reads here through an agency-wide membership (or is an operator)."""
    return bool(getattr(membership, "agency_wide", False)) or membership.user.is_superuser


def console_permissions(membership: StaffMembership) -> dict[str, bool]:
    """What the navigation may link to for this member."""
    role = membership.role
    return {
        "review": role in REVIEW_ROLES,
        "history": role in HISTORY_ROLES,
        "connections": role in CONNECTION_ROLES,
        "audit": role in AUDIT_ROLES,
        "settings": role in SETTINGS_ROLES,
        "staff": role in SETTINGS_ROLES,
        "investigations": role in INVESTIGATION_ROLES,
        "reports": role in REPORT_ROLES,
        "blocks": role in RESTRICTION_VIEW_ROLES,
        "restrict": role in RESTRICTION_ROLES,
        "people": role in PEOPLE_ROLES,
    }
