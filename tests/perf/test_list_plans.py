"""Each long list costs the same at a year's data as at a day's.

A list page reads one page of rows through an index in the list's own order: no ``COUNT`` of the
whole list, no ``OFFSET``, a keyset ``WHERE`` for later pages. On PostgreSQL the page's own SQL is
explained with sequential scans priced out: the plan must read the list's index and never sort (a
sort means every row was fetched first). The data is tiny; the plans are what a year's data gets.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from tests.factories import (
    ConnectionFactory,
    DeliveredPhotoFactory,
    InmateFactory,
    PhotoFactory,
    PurchaseFactory,
    StaffFactory,
    UserFactory,
    give_credits,
)
from tests.kiosk.kiosk_helpers import kiosk_client

from kinframe.credits.models import LedgerEntry
from kinframe.facilities.models import Inmate, StaffMembership
from kinframe.keyset import encode_cursor
from kinframe.payments.models import Purchase
from kinframe.payments.selectors import unspent_refundable_credits
from kinframe.photos.models import Photo

pytestmark = pytest.mark.django_db


def page_queries(client, url: str, params: dict | None = None) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return [query["sql"] for query in captured.captured_queries]


def the_query(queries: list[str], table: str) -> str:
    """The one query that reads the list's rows from ``table``."""
    found = [sql for sql in queries if re.search(rf'FROM "{table}"', sql) and "LIMIT" in sql]
    assert len(found) == 1, found
    return found[0]


def assert_keyset_shape(queries: list[str], sql: str, key: str) -> None:
    assert not [q for q in queries if "COUNT(*)" in q.upper()], "a page counts its whole list"
    assert "OFFSET" not in sql.upper()
    assert re.search(rf"{key}\)? <=", sql), f"no keyset condition on {key}: {sql}"


def plan(sql: str) -> str:
    """PostgreSQL's plan for ``sql`` when a sequential scan or a sort costs (nearly) infinitely
    much, as they would at a year's data: on a test's few rows the planner would otherwise pick
    either by chance. A sort still shows where no index gives the order."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("EXPLAIN " + sql)
        text = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("SET LOCAL enable_seqscan = on")
        cursor.execute("SET LOCAL enable_sort = on")
    return text


def assert_reads_index_in_order(sql: str, table: str, index: str) -> None:
    if connection.vendor != "postgresql":
        return
    text = plan(sql)
    assert index in text, text
    assert f"Seq Scan on {table}" not in text, text
    assert not re.search(r"\bSort\b", text), f"the page sorts its rows:\n{text}"


def cursor_of(row, value=None) -> str:
    return encode_cursor(value or row.created_at, row.pk)


@pytest.fixture
def investigator(facility):
    return StaffFactory(facility=facility, facility__role=StaffMembership.Role.INVESTIGATOR)


def test_console_history_reads_a_page_from_the_facility_index(client, investigator, facility):
    photos = PhotoFactory.create_batch(3, connection__inmate__facility=facility, files=False)
    client.force_login(investigator)
    url = reverse("console:photos", args=[facility.code])
    queries = page_queries(client, url, {"after": cursor_of(photos[1])})
    sql = the_query(queries, "photos_photo")
    assert_keyset_shape(queries, sql, '"photos_photo"."created_at"')
    assert not re.search(r"GROUP BY \"photos_photo\"", sql)  # views counted per shown row only
    assert_reads_index_in_order(sql, "photos_photo", "photos_facility_newest_idx")


def test_console_search_uses_indexes_for_number_and_sender(client, investigator, facility):
    inmate = InmateFactory(facility=facility, number="A-1234")
    PhotoFactory(connection__inmate=inmate, files=False)
    PhotoFactory(
        connection__inmate__facility=facility,
        connection__sender=UserFactory(username="grandma_rose"),
        files=False,
    )
    client.force_login(investigator)
    url = reverse("console:photos", args=[facility.code])
    queries = page_queries(client, url, {"q": "a-1234"})
    assert not [q for q in queries if "LIKE" in q and "photos_photo" in q], "LIKE over photos"
    people = [q for q in queries if "LIKE" in q or "UPPER" in q]
    assert len(people) == 2, people
    if connection.vendor == "postgresql":
        # An agency holds thousands of people; with a handful the planner may as well read them
        # all through the agency's index, so give it a realistic few hundred and fresh statistics.
        Inmate.objects.bulk_create(
            Inmate(
                agency=facility.agency, facility=facility, number=f"B-{n:05d}",
                first_name="Pat", last_name=f"Person{n}",
            )
            for n in range(600)
        )  # fmt: skip
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE facilities_inmate")
        number, username = sorted(people, key=lambda q: "LIKE" in q)
        assert "inmate_number_upper_idx" in plan(number)
        assert "accounts_user_username_trgm" in plan(username)
    assert_reads_index_in_order(
        the_query(queries, "photos_photo"), "photos_photo", "photos_inmate_newest_idx"
    )
    for q, expected in (("a-1234", 1), ("ROSE", 1), ("nobody", 0)):
        html = client.get(url, {"q": q}).content.decode()
        assert html.count('data-testid="history-row"') == expected, q


def test_sender_history_reads_a_page_from_the_sender_index(client, sender, connection_):
    give_credits(sender, 1000)
    photos = PhotoFactory.create_batch(3, connection=connection_, files=False)
    client.force_login(sender)
    queries = page_queries(client, reverse("sender:photos"), {"after": cursor_of(photos[1])})
    sql = the_query(queries, "photos_photo")
    assert_keyset_shape(queries, sql, '"photos_photo"."created_at"')
    assert_reads_index_in_order(sql, "photos_photo", "photos_sender_newest_idx")


def test_statement_reads_a_page_of_the_wallet_without_joining_every_entry(client, sender):
    for n in range(3):
        give_credits(sender, 100 + n)
    client.force_login(sender)
    entry = LedgerEntry.objects.filter(wallet__user=sender).order_by("id")[1]
    queries = page_queries(client, reverse("sender:credits"), {"after": cursor_of(entry)})
    sql = the_query(queries, "credits_ledgerentry")
    assert_keyset_shape(queries, sql, '"credits_ledgerentry"."created_at"')
    assert 'INNER JOIN "credits_wallet"' not in sql
    assert_reads_index_in_order(sql, "credits_ledgerentry", "credits_statement_idx")


def test_kiosk_gallery_reads_a_page_from_the_delivery_index(inmate):
    connection_ = ConnectionFactory(inmate=inmate)
    photos = [DeliveredPhotoFactory(connection=connection_, files=False) for _ in range(3)]
    owner = kiosk_client(inmate)
    middle = photos[1]
    cursor = encode_cursor(middle.reviewed_at, middle.pk)
    queries = page_queries(owner, reverse("kiosk:home"), {"after": cursor})
    sql = the_query(queries, "photos_photo")
    assert_keyset_shape(
        queries, sql, 'COALESCE\\("photos_photo"."reviewed_at", "photos_photo"."created_at"'
    )
    assert_reads_index_in_order(sql, "photos_photo", "photos_gallery_idx")


def test_refundable_credits_are_summed_by_the_database(sender, django_assert_num_queries):
    now = timezone.now()
    for credits, refunded in ((1000, 0), (2000, 500), (700, 700)):
        PurchaseFactory(
            user=sender,
            credits=credits,
            amount_cents=credits,
            status=Purchase.Status.PAID,
            paid_at=now - timedelta(days=1),
            refunded_credits=refunded,
        )
    with django_assert_num_queries(1) as captured:
        assert unspent_refundable_credits(user=sender, balance=10_000) == 2500
    assert "SUM(" in captured.captured_queries[0]["sql"].upper()  # not every purchase into Python
    assert unspent_refundable_credits(user=sender, balance=900) == 900
    assert unspent_refundable_credits(user=UserFactory(), balance=900) == 0


def test_every_list_pages_through_ties_without_losing_or_repeating_a_row(client, sender):
    """Rows sharing one timestamp (a batch sent at once) are split across pages by their id."""
    give_credits(sender, 10_000)
    connection_ = ConnectionFactory(sender=sender)
    photos = PhotoFactory.create_batch(45, connection=connection_, files=False)
    same = timezone.now() - timedelta(hours=1)
    Photo.objects.filter(pk__in=[p.pk for p in photos[10:35]]).update(created_at=same)
    client.force_login(sender)
    url, seen, pages = reverse("sender:photos"), [], []
    response = client.get(url)
    while True:
        page = response.context["page"]
        pages.append([p.pk for p in page])
        seen += pages[-1]
        if not page.has_next:
            break
        response = client.get(url, {"after": page.older_cursor})
    expected = list(
        Photo.objects.filter(sender=sender)
        .order_by("-created_at", "-id")
        .values_list("pk", flat=True)
    )
    assert seen == expected
    assert [len(p) for p in pages] == [20, 20, 5]
    back = client.get(url, {"before": response.context["page"].newer_cursor})
    assert [p.pk for p in back.context["page"]] == pages[1]


def test_credits_page_reads_recent_purchases_and_refundable_credits_from_indexes(client, sender):
    for _ in range(3):
        PurchaseFactory(user=sender, paid=True)
    give_credits(sender, 1500)  # the refundable part is looked up only with credits to refund
    client.force_login(sender)
    queries = page_queries(client, reverse("sender:credits"))
    recent = the_query(queries, "payments_purchase")
    assert_reads_index_in_order(recent, "payments_purchase", "payments_user_newest_idx")
    (refundable,) = [q for q in queries if "SUM(" in q and "payments_purchase" in q]
    if connection.vendor == "postgresql":
        text = plan(refundable)
        assert "payments_refundable_idx" in text, text


def test_kiosk_viewer_finds_its_neighbours_by_a_range_on_the_gallery_index(inmate):
    connection_ = ConnectionFactory(inmate=inmate)
    photos = [DeliveredPhotoFactory(connection=connection_, files=False) for _ in range(3)]
    owner = kiosk_client(inmate)
    queries = page_queries(owner, reverse("kiosk:photo", args=[photos[1].public_id]))
    neighbours = [q for q in queries if "LIMIT 1" in q and ("<=" in q or ">=" in q)]
    assert len(neighbours) == 2, neighbours
    for sql in neighbours:
        assert_reads_index_in_order(sql, "photos_photo", "photos_gallery_idx")
        if connection.vendor == "postgresql":
            assert "COALESCE(reviewed_at, created_at) <=" in plan(sql) or (
                "COALESCE(reviewed_at, created_at) >=" in plan(sql)
            )


def test_kiosk_new_photos_are_looked_for_among_the_newest_deliveries_only(inmate, monkeypatch):
    """Someone who opened most of a long history must not have all of it checked on each visit:
    the New section reads the gallery index from the newest delivery down to the
    ``NEW_WITHIN``-th, never the whole history."""
    from tests.actors import as_inmate

    from kinframe.kiosk import selectors
    from kinframe.photos.services import photo_record_view

    monkeypatch.setattr(selectors, "NEW_WITHIN", 3)
    connection_ = ConnectionFactory(inmate=inmate)
    now = timezone.now()
    photos = [
        DeliveredPhotoFactory(
            connection=connection_, files=False, reviewed_at=now - timedelta(hours=10 - n)
        )
        for n in range(5)
    ]  # oldest first
    photo_record_view(photo=photos[3], actor=as_inmate(inmate))  # one of the three newest opened
    owner = kiosk_client(inmate)
    queries = page_queries(owner, reverse("kiosk:home"))
    html = owner.get(reverse("kiosk:home")).content.decode()
    new = [
        p
        for p in photos
        if f'data-photo-id="{p.public_id}" class="kiosk-tile kiosk-tile-new"' in html
    ]
    assert new == [photos[2], photos[4]]  # the never-opened older two are not New ...
    assert all(str(p.public_id) in html for p in photos)  # ... but still in the gallery
    (sql,) = [q for q in queries if "photos_photoview" in q and "LIMIT" in q]
    assert re.search(r"OFFSET 2|LIMIT 1 OFFSET", sql), sql  # the bound: the 3rd newest delivery
    if connection.vendor == "postgresql":
        text = plan(sql)
        assert "photos_gallery_idx" in text, text
        assert re.search(r"Index Cond: .*COALESCE\(reviewed_at, created_at\) >=", text), text
        assert "Seq Scan on photos_photo" not in text, text
