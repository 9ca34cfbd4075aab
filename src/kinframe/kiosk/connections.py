"""The person's connections at the kiosk: who may send them photos, and ending or blocking one.

Ending and blocking each ask first on a page of their own with two large buttons (a touch screen
has no undo, and the browser's confirm box is small), and work without JavaScript.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from kinframe.connections.models import Connection
from kinframe.connections.services import ConnectionNotAllowed
from kinframe.custody.services import connection_block, connection_end

from .access import KioskRequest, kiosk_view
from .selectors import connection_of, open_connections
from .views import kiosk_context


@dataclass(frozen=True)
class Change:
    """One thing a person can do to a connection: the service, and the words on its pages."""

    service: Callable[..., Connection]
    question: str | Promise
    explain: str | Promise
    button: str | Promise
    done: str | Promise


CHANGES = {
    "end": Change(
        service=connection_end,
        question=_("Stop photos from %(name)s?"),
        explain=_(
            "%(name)s will not be able to send you photos. Photos waiting for review are "
            "refunded to them. They can ask you again later."
        ),
        button=_("Yes, end it"),
        done=_("You ended your connection with %(name)s."),
    ),
    "block": Change(
        service=connection_block,
        question=_("Block %(name)s?"),
        explain=_(
            "%(name)s will not be able to send you photos or ask you again. Photos waiting "
            "for review are refunded to them."
        ),
        button=_("Yes, block"),
        done=_("You blocked %(name)s. They cannot ask you again."),
    ),
}


def sender_name(connection: Connection) -> str:
    return connection.sender.get_full_name() or connection.sender.get_username()


@never_cache
@require_GET
@kiosk_view()
def connections(request: KioskRequest) -> HttpResponse:
    """Everyone who may send the person photos, and requests still waiting."""
    return TemplateResponse(
        request,
        "kiosk/connections.html",
        kiosk_context(request, connections=list(open_connections(inmate=request.kiosk.person))),
    )


@never_cache
@require_http_methods(["GET", "POST"])
@kiosk_view()
def connection_change(request: KioskRequest, connection_id: int, change: str) -> HttpResponse:
    """GET asks "End it?" or "Block them?"; POST does it and goes back to the connections."""
    if change not in CHANGES:
        raise Http404("No such change.")
    words = CHANGES[change]
    connection = connection_of(inmate=request.kiosk.person, connection_id=connection_id)
    if connection is None:
        if request.method == "POST":
            messages.info(request, gettext("That connection has already ended."))
            return redirect("kiosk:connections")
        raise Http404("No such connection.")
    name = sender_name(connection)
    if request.method == "POST":
        try:
            words.service(connection=connection, actor=request.kiosk.person_actor)
        except ConnectionNotAllowed as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, str(words.done) % {"name": name})
        return redirect("kiosk:connections")
    return TemplateResponse(
        request,
        "kiosk/connection_change.html",
        kiosk_context(
            request,
            connection=connection,
            change=change,
            question=str(words.question) % {"name": name},
            explain=str(words.explain) % {"name": name},
            button=str(words.button),
        ),
    )
