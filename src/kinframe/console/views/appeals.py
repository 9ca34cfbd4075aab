"""Appeals waiting for a second reviewer, their decisions, and facility admins' reversals.

The appeals list shows every pending appeal, but only a reviewer who did not make the first
decision may decide one; the service checks the same again under its lock.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kinframe.facilities.models import RejectionReason, StaffMembership
from kinframe.photos.appeals import AppealError, appeal_decide, photo_decision_reverse
from kinframe.photos.models import Appeal

from ..access import REVIEW_ROLES, ConsoleRequest, Role, console_view
from ..selectors import facility_appeal, facility_appeals, facility_photo


def may_decide_appeal(appeal: Appeal, membership: StaffMembership) -> bool:
    """Pending, and the member is a reviewer or admin who did not make the first decision."""
    return (
        appeal.status == Appeal.Status.PENDING
        and membership.role in REVIEW_ROLES
        and membership.user_id not in (appeal.original_reviewer_id, appeal.photo.reviewed_by_id)
    )


@console_view(roles=REVIEW_ROLES)
@require_GET
def appeal_list(request: ConsoleRequest) -> HttpResponse:
    membership = request.console.membership
    appeals = list(facility_appeals(facility=request.console.facility))
    for appeal in appeals:
        appeal.may_decide = may_decide_appeal(appeal, membership)  # type: ignore[attr-defined]
    return render(request, "console/appeals.html", {"appeals": appeals})


@console_view(roles=REVIEW_ROLES)
@require_POST
def appeal_decide_view(request: ConsoleRequest, appeal_id: int) -> HttpResponse:
    facility = request.console.facility
    appeal = facility_appeal(facility=facility, appeal_id=appeal_id)
    decision = request.POST.get("decision")
    if decision not in ("grant", "uphold"):
        return render(
            request,
            "console/bad_request.html",
            {"text": _("Choose to deliver the photo or to keep the rejection.")},
            status=400,
        )
    try:
        appeal_decide(
            actor=request.console.actor,
            appeal=appeal,
            grant=decision == "grant",
            note=request.POST.get("note", "")[:500],
        )
    except AppealError as error:
        messages.warning(request, str(error))
    else:
        messages.success(
            request,
            _("Appeal granted: the photo is delivered.")
            if decision == "grant"
            else _("Rejection confirmed; the sender gets the appeal's credits back."),
        )
    return redirect("console:appeals", code=facility.code)


@console_view(roles=(Role.ADMIN,))
@require_POST
def photo_reverse(request: ConsoleRequest, public_id) -> HttpResponse:
    facility = request.console.facility
    photo = facility_photo(facility=facility, public_id=public_id)
    reason = None
    raw_reason = request.POST.get("reason", "")
    if raw_reason.isdigit():
        reason = RejectionReason.objects.filter(
            pk=int(raw_reason), facility=facility, is_active=True
        ).first()
    try:
        photo_decision_reverse(
            actor=request.console.actor,
            photo=photo,
            why=request.POST.get("why", "")[:500],
            reason=reason,
        )
    except AppealError as error:
        messages.warning(request, str(error))
    else:
        messages.success(request, _("Decision reversed; the audit trail records why."))
    return redirect("console:photo_detail", code=facility.code, public_id=photo.public_id)
