"""What every signed-in request costs before its page's own work: as few queries as is safe.

Each signed-in page pays for its caller once per request: the session (none with a shared cache),
the user, and what the audience's gate needs (a sender's verified contact; a staff member's
membership at the facility, with the facility; a kiosk's device and person). Nothing more: no
second staff lookup, no query for the language chosen on the account, no write on a plain read.
The counts below are the whole page's, with what each query is for, so a new per-request query
shows up here rather than in a benchmark.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from tests.factories import (
    ConnectionFactory,
    DeliveredPhotoFactory,
    PhotoFactory,
    StaffFactory,
    give_credits,
)
from tests.kiosk.kiosk_helpers import kiosk_client

from kinframe.facilities.models import StaffMembership

pytestmark = pytest.mark.django_db

CACHED_SESSIONS = "django.contrib.sessions.backends.cached_db"


def queries_of(client: Client, url: str) -> list[str]:
    """The SQL of a second visit to ``url`` (the first may set up what a visit keeps)."""
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return [query["sql"] for query in captured.captured_queries]


def tables(queries: list[str]) -> list[str]:
    """The table each query reads first, for readable failures."""
    found = []
    for sql in queries:
        after = sql.split('FROM "', 1)
        found.append(after[1].split('"', 1)[0] if len(after) == 2 else sql[:30])
    return found


def writes(queries: list[str]) -> list[str]:
    return [q for q in queries if q.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]


@pytest.fixture
def staff(facility):
    return StaffFactory(facility=facility, facility__role=StaffMembership.Role.ADMIN)


@pytest.fixture
def sender_client(client, sender, connection_):
    give_credits(sender, 1000)
    PhotoFactory.create_batch(2, connection=connection_, files=False)
    client.force_login(sender)
    return client


@pytest.fixture
def staff_client(staff, facility):
    # More waiting than the grid holds (12): a reload finds the reviewer's holds full.
    PhotoFactory.create_batch(13, connection__inmate__facility=facility, files=False)
    client = Client()
    client.force_login(staff)
    return client


# Session, user, verified contact (3), then the page's own: home (wallet, connections, photos),
# statement (wallet, a page of entries, refundable credits, recent purchases), photo history (a
# page of photos, wallet).
SENDER_PAGES = {"sender:home": 6, "sender:credits": 7, "sender:photos": 5}
# Session, user, membership with its facility (3), then the page's own: a page of photos; the grid
# on a reload (the reviewer's holds, the cards, their flags, the senders' records (2), the counts,
# the reasons).
CONSOLE_PAGES = {"console:photos": 4, "console:review_queue": 10}


@pytest.mark.parametrize(("name", "expected"), SENDER_PAGES.items())
def test_a_sender_page_costs_three_queries_before_its_own(sender_client, name, expected):
    queries = queries_of(sender_client, reverse(name))
    assert tables(queries)[:3] == ["django_session", "accounts_user", "account_emailaddress"]
    assert len(queries) == expected, tables(queries)
    assert not writes(queries)


@pytest.mark.parametrize(("name", "expected"), CONSOLE_PAGES.items())
def test_a_console_page_reads_the_membership_once(staff_client, facility, name, expected):
    queries = queries_of(staff_client, reverse(name, args=[facility.code]))
    assert tables(queries)[:3] == ["django_session", "accounts_user", "facilities_staffmembership"]
    assert tables(queries).count("facilities_staffmembership") == 1, tables(queries)
    assert len(queries) == expected, tables(queries)


def test_reloading_the_review_grid_writes_nothing(staff_client, facility):
    """The holds are renewed by the page's heartbeat; a reload within their life only reads them
    (when the queue runs short, a reload looks for more, under a transaction)."""
    queries = queries_of(staff_client, reverse("console:review_queue", args=[facility.code]))
    assert not writes(queries), writes(queries)
    assert not [q for q in queries if "SAVEPOINT" in q.upper()]


def test_the_kiosk_gallery_costs_three_queries_before_its_own(inmate):
    connection_ = ConnectionFactory(inmate=inmate)
    for _ in range(2):
        DeliveredPhotoFactory(connection=connection_, files=False)
    queries = queries_of(kiosk_client(inmate), reverse("kiosk:home"))
    # Session, device, person; a page of photos, the newest photo's neighbour, the connections.
    assert tables(queries)[:3] == ["django_session", "devices_kioskdevice", "facilities_inmate"]
    assert len(queries) == 6, tables(queries)


def test_the_language_chosen_on_the_account_costs_no_query(sender_client, sender):
    url = reverse("sender:photos")
    before = len(queries_of(sender_client, url))
    sender.language = "es"
    sender.save(update_fields=["language"])
    response = sender_client.get(url)
    assert response["Content-Language"] == "es"
    assert len(queries_of(sender_client, url)) == before


def test_with_a_shared_cache_the_session_is_not_a_query(settings, sender_client):
    settings.SESSION_ENGINE = CACHED_SESSIONS
    sender_client.get(reverse("sender:photos"))  # a session already there: read, then cached
    queries = queries_of(sender_client, reverse("sender:photos"))
    assert "django_session" not in tables(queries)
    assert len(queries) == SENDER_PAGES["sender:photos"] - 1


def test_a_cached_session_signed_out_is_gone_everywhere(settings, client, sender):
    """Sign-out deletes the session from the cache and the database: the old cookie is worthless,
    in this process and in any other reading the same cache (or, on a miss, the database)."""
    settings.SESSION_ENGINE = CACHED_SESSIONS
    client.force_login(sender)
    assert client.get(reverse("sender:photos")).status_code == 200
    stolen = client.cookies["sessionid"].value
    client.post(reverse("account_logout"))
    thief = Client()
    thief.cookies["sessionid"] = stolen
    response = thief.get(reverse("sender:photos"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_a_cached_kiosk_session_signed_out_is_gone(settings, inmate):
    settings.SESSION_ENGINE = CACHED_SESSIONS
    kiosk = kiosk_client(inmate)
    assert kiosk.get(reverse("kiosk:home")).status_code == 200
    old = kiosk.cookies["sessionid"].value
    kiosk.post(reverse("kiosk:sign_out"))
    kiosk.cookies["sessionid"] = old  # the browser's back button, or a copied cookie
    response = kiosk.get(reverse("kiosk:home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("kiosk:sign_in")


@pytest.mark.parametrize(
    ("cache_url", "engine"),
    [
        ("redis://127.0.0.1:6379/0", CACHED_SESSIONS),
        ("", "django.contrib.sessions.backends.db"),  # one process's memory: not shared
        ("db", "django.contrib.sessions.backends.db"),  # a database cache would save nothing
    ],
)
def test_sessions_are_cached_only_in_a_cache_every_process_shares(cache_url, engine):
    env = {**os.environ, "DEBUG": "1", "CACHE_URL": cache_url}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    out = subprocess.run(
        [sys.executable, "-c", "from kinframe import settings; print(settings.SESSION_ENGINE)"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == engine
