"""``Idempotency-Key`` for API writes: a retried request gets the first answer, not a second write.

The key's row is inserted in the same transaction as the write it guards. A second request with the
same key waits on the unique index (PostgreSQL) or on the write lock (SQLite) until the first one
commits, then finds the stored answer and replays it. If the first one fails, its row goes with it,
and the retry acts afresh. Only answers of writes that happened are stored; refusals (404, 422)
leave no row.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse

from .models import ApiClient, IdempotencyRecord
from .problems import problem_response

REPLAYED_HEADER = "Idempotent-Replayed"

Action = Callable[[], tuple[int, Any]]


def fingerprint(request: HttpRequest) -> dict[str, str]:
    return {
        "method": request.method or "",
        "path": request.path[:500],
        "body_sha256": hashlib.sha256(request.body).hexdigest(),
    }


def json_response(content: str, status: int) -> HttpResponse:
    return HttpResponse(content, status=status, content_type="application/json")


def run_idempotently(
    request: HttpRequest, *, client: ApiClient, key: str | None, action: Action
) -> HttpResponse:
    """Run ``action`` (returns status and JSON-ready body) in one transaction, at most once per key."""
    if key is None:
        with transaction.atomic():
            status, body = action()
        return json_response(json.dumps(body, cls=DjangoJSONEncoder), status)

    request_print = fingerprint(request)
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(client=client, key=key, **request_print)
        except IntegrityError:
            record = None  # this key was used before (or a moment ago, by a request now finished)
        if record is not None:
            status, body = action()
            content = json.dumps(body, cls=DjangoJSONEncoder)
            record.response_status, record.response_body = status, content
            record.save(update_fields=["response_status", "response_body"])
            return json_response(content, status)
    return replay(client=client, key=key, request_print=request_print)


def replay(*, client: ApiClient, key: str, request_print: dict[str, str]) -> HttpResponse:
    record = IdempotencyRecord.objects.filter(client=client, key=key).first()
    if record is None or record.response_status is None:
        return problem_response(
            409,
            "A request with this Idempotency-Key is in progress. "
            "Retry it in a moment to get its answer.",
        )
    if not record.matches(**request_print):
        return problem_response(
            422,
            f"This Idempotency-Key was already used for {record.method} "
            f"{record.path} with a different body. Use a new key for a new request.",
        )
    response = json_response(record.response_body, record.response_status)
    response[REPLAYED_HEADER] = "true"
    return response
