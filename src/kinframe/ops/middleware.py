"""Middleware for running Kinframe: request ids, access lines and metrics; the ops endpoints."""

from __future__ import annotations

import json
import logging
import re
import time
import uuid

from django.http import HttpRequest, HttpResponse, JsonResponse

from . import health
from .logs import current_request_id
from .metrics import (
    HTTP_LATENCY,
    HTTP_REQUESTS,
    WEBHOOK_FAILURES,
    metrics_allowed,
    metrics_enabled,
    render_metrics,
)

access_log = logging.getLogger("kinframe.access")

# An id from the proxy is kept only if it looks like one (nginx's $request_id is 32 hex digits),
# so a client cannot inject text into the logs through it.
REQUEST_ID_PATTERN = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestTelemetryMiddleware:
    """First in the chain: gives the request an id, logs one access line, counts it for /metrics.

    The id comes from the proxy's `X-Request-ID` (nginx sets it) or is made here; it is on every
    log record written during the request and on the response, so a user's report, nginx's log
    and Django's lines can be matched up.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if REQUEST_ID_PATTERN.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        token = current_request_id.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            elapsed = time.perf_counter() - started
            view = _view_label(request)
            status = response.status_code
            HTTP_REQUESTS.labels(view=view, method=request.method, status=str(status)).inc()
            HTTP_LATENCY.labels(view=view).observe(elapsed)
            if ":webhook" in view and status >= 400:
                WEBHOOK_FAILURES.labels(view=view, status=str(status)).inc()
            access_log.info(
                "%s %s %s %.0fms",
                request.method,
                request.path,
                status,
                elapsed * 1000,
                extra={"view": view, "status": status, "duration_ms": round(elapsed * 1000, 1)},
            )
            return response
        finally:
            current_request_id.reset(token)


def _view_label(request: HttpRequest) -> str:
    """The URL's name (bounded: never the raw path, which would make a label per photo)."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return getattr(request, "ops_endpoint", "unmatched")
    return match.view_name or match.route or "unnamed"


class OpsEndpointsMiddleware:
    """`/healthz`, `/readyz` and `/metrics`, answered before the host check and the session.

    Orchestrators and Prometheus call by an internal address (`web:8000`) that is not one of
    `ALLOWED_HOSTS`; answering here keeps these endpoints out of every other middleware's way.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info
        if path == "/healthz":
            request.ops_endpoint = "ops:healthz"  # type: ignore[attr-defined]
            return _no_store(JsonResponse({"status": "alive"}))
        if path == "/readyz":
            request.ops_endpoint = "ops:readyz"  # type: ignore[attr-defined]
            checks = health.readiness()
            ready = all(check.ok for check in checks)
            body = {
                "status": "ready" if ready else "unavailable",
                "checks": {c.name: {"ok": c.ok, "detail": c.detail} for c in checks},
            }
            return _no_store(
                HttpResponse(
                    json.dumps(body),
                    content_type="application/json",
                    status=200 if ready else 503,
                )
            )
        if path == "/metrics":
            request.ops_endpoint = "ops:metrics"  # type: ignore[attr-defined]
            if not metrics_enabled():
                return HttpResponse("Not found", status=404, content_type="text/plain")
            if not metrics_allowed(request):
                response = HttpResponse("Forbidden", status=403, content_type="text/plain")
                response["WWW-Authenticate"] = "Bearer"
                return response
            return _no_store(
                HttpResponse(render_metrics(), content_type="text/plain; version=0.0.4")
            )
        return self.get_response(request)


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    return response
