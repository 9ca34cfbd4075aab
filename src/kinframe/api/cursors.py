"""Opaque keyset cursors: a page ends at (time, id) and the next page starts strictly after it.

A cursor is signed, so a client can only hand back one Kinframe gave it; a made-up or damaged one
is refused (422) rather than silently starting from somewhere else. Keyset pages stay correct
while rows are added, and ``next_cursor`` on the last page lets a tablet poll for what is new.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core import signing
from django.db.models import Q, QuerySet
from ninja.errors import HttpError

SALT = "kinframe.api.cursor"


@dataclass(frozen=True)
class Page:
    items: list
    next_cursor: str | None
    has_more: bool


def encode(at: datetime, pk: int) -> str:
    return signing.dumps([at.isoformat(), pk], salt=SALT, compress=True)


def decode(cursor: str) -> tuple[datetime, int]:
    try:
        at, pk = signing.loads(cursor, salt=SALT)
        return datetime.fromisoformat(at), int(pk)
    except (signing.BadSignature, ValueError, TypeError) as error:
        raise HttpError(
            422, "This cursor is not one Kinframe gave out; start without it."
        ) from error


def keyset_page(
    rows: QuerySet, *, field: str, cursor: str | None, limit: int, since: datetime | None = None
) -> Page:
    """Up to ``limit`` rows ordered by (``field``, id) after ``cursor`` (and after ``since``)."""
    if since is not None:
        rows = rows.filter(**{f"{field}__gt": since})
    if cursor:
        at, pk = decode(cursor)
        rows = rows.filter(Q(**{f"{field}__gt": at}) | Q(**{field: at, "id__gt": pk}))
    fetched = list(rows.order_by(field, "id")[: limit + 1])
    items = fetched[:limit]
    if items:
        last = items[-1]
        next_cursor: str | None = encode(getattr(last, field), last.pk)
    else:
        next_cursor = cursor
    return Page(items=items, next_cursor=next_cursor, has_more=len(fetched) > limit)
