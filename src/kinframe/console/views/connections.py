"""Connection requests waiting at the facility, which staff may answer on the person's behalf
(for someone who cannot use the kiosk). The connections services record the staff member as the
actor and the inmate as the one who answered."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kinframe.connections.models import Connection
from kinframe.connections.services import (
    ConnectionNotAllowed,
    connection_approve,
    connection_decline,
)

from ..access import CONNECTION_ROLES, ConsoleRequest, console_view
from ..selectors import pending_connections
from .common import paginate

PER_PAGE = 50


@console_view(roles=CONNECTION_ROLES)
@require_GET
def connection_requests(request: ConsoleRequest) -> HttpResponse:
    waiting = pending_connections(facility=request.console.facility)
    return render(
        request, "console/connections.html", {"page": paginate(request, waiting, PER_PAGE)}
    )


@console_view(roles=CONNECTION_ROLES)
@require_POST
def connection_decide(request: ConsoleRequest, connection_id: int, decision: str) -> HttpResponse:
    facility = request.console.facility
    # Only requests to someone held here now; another facility's request is as good as missing.
    connection = get_object_or_404(
        Connection.objects.select_related("inmate", "sender"),
        pk=connection_id,
        inmate__facility=facility,
    )
    service = connection_approve if decision == "approve" else connection_decline
    try:
        service(connection=connection, actor=request.console.actor)
    except ConnectionNotAllowed as error:
        messages.warning(request, str(error))
    else:
        words = {"sender": connection.sender.get_username(), "name": connection.inmate.full_name}
        if decision == "approve":
            text = _("Approved %(sender)s's request for %(name)s on their behalf.") % words
        else:
            text = _("Declined %(sender)s's request for %(name)s on their behalf.") % words
        messages.success(request, text)
    return redirect("console:connections", code=facility.code)
