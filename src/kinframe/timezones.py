"""Showing times in the reader's own time zone.

A sender's browser tells us its zone (``static/kinframe/timezone.js`` sets the ``tz`` cookie from
``Intl.DateTimeFormat``); the middleware activates it for the request if it is a real IANA zone.
Kiosk and console pages override it with the facility's zone, where the people reading them are.
"""

from __future__ import annotations

import zoneinfo
from functools import cache

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

COOKIE = "tz"


@cache
def known_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


class BrowserTimeZoneMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        name = request.COOKIES.get(COOKIE, "")
        if name in known_zones():
            with timezone.override(name):
                response = self.get_response(request)
                # TemplateResponses render after the view; render them while the zone is active.
                if hasattr(response, "render") and not response.is_rendered:
                    response.render()
                return response
        return self.get_response(request)
