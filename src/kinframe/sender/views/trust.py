"""The pages anyone may read before paying: terms, privacy, help, contact, a facility's photo rules."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import get_language

from kinframe.content.selectors import site_page
from kinframe.facilities.models import Facility


def page(request: HttpRequest, slug: str) -> HttpResponse:
    found = site_page(slug=slug)
    if found is None:
        raise Http404("No such page.")
    title, body = found.in_language(get_language() or "en")
    return TemplateResponse(
        request, "sender/site_page.html", {"title": title, "body": body, "slug": slug}
    )


def photo_rules(request: HttpRequest, code: str) -> HttpResponse:
    """What this facility rejects and why, in the words the sender would read in a rejection."""
    facility = Facility.objects.filter(code=code).first()
    if facility is None:
        raise Http404("No such facility.")
    reasons = facility.rejection_reasons.filter(is_active=True).order_by("position", "label")
    return TemplateResponse(
        request,
        "sender/photo_rules.html",
        {"rules_facility": facility, "reasons": list(reasons)},
    )
