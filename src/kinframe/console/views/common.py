"""Rendering shared by the console's pages."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from kinframe.facilities.models import Facility, StaffMembership

from ..access import console_permissions


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def render_console(
    request: HttpRequest,
    template: str,
    *,
    facility: Facility,
    membership: StaffMembership,
    status: int = 200,
    **context: Any,
) -> HttpResponse:
    """Render a facility page with what the console layout needs: the facility (its time zone is
    used for every timestamp on the page), the caller's role and the links that role may open."""
    context.update(
        facility=facility,
        membership=membership,
        can=console_permissions(membership),
    )
    return render(request, template, context, status=status)


def paginate(request: HttpRequest, items, per_page: int) -> Page:
    """The requested page; a missing or nonsense page number shows the first or last page."""
    return Paginator(items, per_page).get_page(request.GET.get("page"))


def query_without_page(request: HttpRequest) -> str:
    """The current filters as a query string, for the pagination links to carry along."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()
