"""Rendering shared by the console's pages."""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.http import HttpRequest


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def paginate(request: HttpRequest, items, per_page: int) -> Page:
    """The requested page; a missing or nonsense page number shows the first or last page."""
    return Paginator(items, per_page).get_page(request.GET.get("page"))


def query_without_page(request: HttpRequest) -> str:
    """The current filters as a query string, for the pagination links to carry along."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()
