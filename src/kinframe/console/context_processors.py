"""What every console template needs, from the gate's scope on the request."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def console(request: HttpRequest) -> dict[str, Any]:
    """The facility (its time zone is used for every timestamp on the page), the caller's role and
    the links that role may open. Empty outside a facility page."""
    scope = getattr(request, "console", None)
    if scope is None:
        return {}
    return {"facility": scope.facility, "membership": scope.membership, "can": scope.can}
