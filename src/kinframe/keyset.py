"""Keyset pagination: "Newer" and "Older" links that cost the same on page 1 and page 4,000.

A numbered page (``OFFSET 99975``) makes the database walk past every row before it, and "page 3 of
4,000" needs a count of the whole list. A keyset page instead remembers where the last page ended
(the sort value and id of its last row) and asks for the rows after it, which an index on
``(..., sort value, id)`` finds directly. The price: no page numbers and no total, which nobody
reading a history from the newest end needs.

Lists here are newest first: ``key`` descending, then ``id`` descending to break ties. The
cursor names one row: ``?after=<cursor>`` shows the rows older than it, ``?before=<cursor>`` the
rows newer than it. A cursor that does not parse shows the first page, never an error.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import F, Model, Q, QuerySet
from django.http import HttpRequest

AFTER = "after"
BEFORE = "before"


@dataclass(frozen=True)
class KeysetPage:
    """One page of a newest-first list, with the cursors of its neighbours (None: no such page)."""

    object_list: Sequence[Any]
    older_cursor: str | None
    newer_cursor: str | None

    def __iter__(self) -> Iterator[Any]:
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)

    @property
    def has_next(self) -> bool:
        return self.older_cursor is not None

    @property
    def has_previous(self) -> bool:
        return self.newer_cursor is not None

    @property
    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous


def encode_cursor(value: datetime, pk: int) -> str:
    return f"{value.isoformat()}_{pk}"


def decode_cursor(cursor: str | None) -> tuple[datetime, int] | None:
    """The (sort value, id) a cursor names, or None for anything that is not one."""
    if not cursor or len(cursor) > 80:
        return None
    stamp, _, pk = cursor.rpartition("_")
    try:
        value = datetime.fromisoformat(stamp)
        number = int(pk)
    except ValueError:
        return None
    if value.tzinfo is None or not 0 < number < 2**63:
        return None
    return value, number


def older_than(key: str, value: datetime, pk: int) -> Q:
    """Rows after (value, pk) in newest-first order.

    ``key <= value`` comes first and on its own so the database uses it as the index range; the
    ``OR`` only weeds out the ties at ``value`` itself.
    """
    return Q(**{f"{key}__lte": value}) & (Q(**{f"{key}__lt": value}) | Q(id__lt=pk))


def newer_than(key: str, value: datetime, pk: int) -> Q:
    return Q(**{f"{key}__gte": value}) & (Q(**{f"{key}__gt": value}) | Q(id__gt=pk))


def keyset_page(
    request: HttpRequest, items: QuerySet[Model], *, key: str, per_page: int
) -> KeysetPage:
    """The page of ``items`` (newest ``key`` first) that the request's cursor asks for.

    One query: it fetches one row more than the page to know whether another page follows.
    """
    after = decode_cursor(request.GET.get(AFTER))
    before = None if after else decode_cursor(request.GET.get(BEFORE))
    newest_first = items.order_by(F(key).desc(), F("id").desc())
    if before:
        # Walk towards the newest end from the cursor, then put the rows back in page order.
        rows = list(
            items.filter(newer_than(key, *before)).order_by(F(key).asc(), F("id").asc())[
                : per_page + 1
            ]
        )
        more_newer = len(rows) > per_page
        rows = rows[:per_page][::-1]
        more_older = bool(rows)
    if not before or not rows:  # (nothing newer than the cursor: show the newest page)
        query = newest_first.filter(older_than(key, *after)) if after else newest_first
        rows = list(query[: per_page + 1])
        more_older = len(rows) > per_page
        rows = rows[:per_page]
        more_newer = after is not None and bool(rows)
    return KeysetPage(
        object_list=rows,
        older_cursor=_cursor(rows[-1], key) if more_older else None,
        newer_cursor=_cursor(rows[0], key) if more_newer else None,
    )


def _cursor(row: Model, key: str) -> str:
    return encode_cursor(getattr(row, key), row.pk)


def query_without_cursor(request: HttpRequest) -> str:
    """The current filters as a query string, for the page links to carry along."""
    query = request.GET.copy()
    for name in (AFTER, BEFORE, "page"):
        query.pop(name, None)
    return query.urlencode()
