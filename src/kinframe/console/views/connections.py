"""Connection requests waiting at the facility, which staff may answer on the person's behalf
(for someone who cannot use the kiosk). The connections services record the staff member as the
actor and the inmate as the one who answered."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from kinframe.connections.models import Connection
from kinframe.connections.services import (
    ConnectionNotAllowed,
    connection_approve,
    connection_decline,
)

from ..access import CONNECTION_ROLES, staff_facility, staff_required
from ..selectors import pending_connections
from .common import paginate, render_console

PER_PAGE = 50


@staff_required
def connection_requests(request: HttpRequest, code: str) -> HttpResponse:
    facility, membership = staff_facility(request, code, roles=CONNECTION_ROLES)
    return render_console(
        request,
        "console/connections.html",
        facility=facility,
        membership=membership,
        page=paginate(request, pending_connections(facility=facility), PER_PAGE),
    )


@staff_required
@require_POST
def connection_decide(
    request: HttpRequest, code: str, connection_id: int, decision: str
) -> HttpResponse:
    facility, _ = staff_facility(request, code, roles=CONNECTION_ROLES)
    # Only requests to someone held here now; another facility's request is as good as missing.
    connection = get_object_or_404(
        Connection.objects.select_related("inmate", "sender"),
        pk=connection_id,
        inmate__facility=facility,
    )
    service = connection_approve if decision == "approve" else connection_decline
    try:
        service(connection=connection, inmate=connection.inmate, actor=request.user)
    except ConnectionNotAllowed as error:
        messages.warning(request, str(error))
    else:
        verb = "Approved" if decision == "approve" else "Declined"
        messages.success(
            request,
            f"{verb} {connection.sender.get_username()}'s request for "
            f"{connection.inmate.full_name} on their behalf.",
        )
    return redirect("console:connections", code=facility.code)
