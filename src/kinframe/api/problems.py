"""Errors as RFC 9457 problem details: ``application/problem+json`` with type, title, status, detail.

Every refusal the API gives (401, 403, 404, 409, 422, 429, and 400 for a body that is not JSON)
goes through ``problem_response``; ``KinframeApi`` installs the handlers and declares the media
type in the OpenAPI schema, so the schema says exactly what a client receives.
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError

PROBLEM_MEDIA_TYPE = "application/problem+json"


class Problem(Schema):
    """RFC 9457 problem details. ``type`` is ``about:blank``: the status says what kind of problem
    it is and ``detail`` says what to do about it. Validation problems list each field in
    ``errors``."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: list[dict[str, Any]] | None = None


def errors(*statuses: int) -> dict[int, type[Problem]]:
    """The ``response=`` entries for an operation's refusals."""
    return dict.fromkeys(statuses, Problem)


def problem_response(
    status: int, detail: str, *, errors: list[dict[str, Any]] | None = None
) -> HttpResponse:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    if errors is not None:
        body["errors"] = errors
    return HttpResponse(
        json.dumps(body, cls=DjangoJSONEncoder), status=status, content_type=PROBLEM_MEDIA_TYPE
    )


def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc, AuthenticationError):
        detail = "Send a valid token: Authorization: Bearer kf_..."
        response = problem_response(401, detail)
        response["WWW-Authenticate"] = "Bearer"
        return response
    if isinstance(exc, Throttled):
        return problem_response(429, "Too many requests: wait for Retry-After seconds.")
    return problem_response(exc.status_code, str(exc))


def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    fields = [
        {"loc": list(error.get("loc", ())), "msg": error.get("msg", ""), "type": error.get("type")}
        for error in exc.errors
    ]
    where = ", ".join(".".join(str(part) for part in field["loc"]) for field in fields[:5])
    return problem_response(422, f"Some input is not valid: {where}.", errors=fields)


def _not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problem_response(404, str(exc) or "Not found.")


class KinframeApi(NinjaAPI):
    """A ``NinjaAPI`` whose refusals are problem details, and whose schema says so."""

    def set_default_exception_handlers(self) -> None:
        super().set_default_exception_handlers()
        # django-ninja's stub types the handler's exception as "instance or class"; ours take the
        # instance it actually passes.
        self.add_exception_handler(HttpError, _http_error)  # type: ignore[arg-type]
        self.add_exception_handler(ValidationError, _validation_error)  # type: ignore[arg-type]
        self.add_exception_handler(Http404, _not_found)  # type: ignore[arg-type]

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                for status, response in operation.get("responses", {}).items():
                    content = response.get("content", {})
                    if int(status) >= 400 and "application/json" in content:
                        response["content"] = {PROBLEM_MEDIA_TYPE: content["application/json"]}
                    if int(status) == 429:
                        response["headers"] = {
                            "Retry-After": {
                                "description": "Seconds to wait before trying again",
                                "schema": {"type": "integer"},
                            }
                        }
        return schema
