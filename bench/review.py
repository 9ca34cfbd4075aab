"""Benchmark the review queue: does the next photo cost the same at 100,000 waiting as at 100?

Run with ``make bench-review`` (``.venv/bin/python bench/review.py``). See ``bench/README.md``.

Two facilities in the same database, so the tables, caches and connection are the same for both:
``bench-big`` with 100,000 photos waiting for review (bulk-inserted with ``generate_series`` on
PostgreSQL) and ``bench-small`` with 100. Five other reviewers hold a dozen photos each at both
facilities, so handing out photos has to skip other people's holds as it would on a busy day.

Cases, timed in the same run, interleaved (the facility order alternates each round), median of
``ROUNDS`` after warm-ups, with the spread (25th-75th percentile):

* ``next photos``: a reviewer is handed their four photos (``review_leases_acquire``) and the
  page's cards are read (``review_cards``): what the review page does for the next photo;
* ``decision``: approving the photo on screen under its lease (``photo_decide``: lock, lease
  check, approval, audit, lease removed); the decision is then undone outside the timing so the
  queue keeps its size;
* ``counts``: the live counts (waiting, capped; mine this shift; the oldest one's age);
* ``review page``: the whole page over HTTP in-process (gate, holds, cards, counts, template).

The ratio is big / small per case; the target is <= 1.2. Uses ``DATABASE_URL`` (PostgreSQL by
default: ``postgres://postgres@127.0.0.1:5432/kf_review``); if PostgreSQL cannot be reached it
falls back to a temporary SQLite file with 20,000 waiting instead of 100,000.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

PG_URL = "postgres://postgres@127.0.0.1:5432/kf_review"
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "40"))
WARMUP = 5
SENDERS = 1000


def choose_database() -> tuple[str, int]:
    url = os.environ.get("DATABASE_URL", PG_URL)
    if url.startswith("postgres"):
        try:
            import psycopg

            psycopg.connect(url.replace("postgres://", "postgresql://"), connect_timeout=3).close()
            return url, 100_000
        except Exception as error:  # any failure means: fall back
            print(f"PostgreSQL unreachable ({error.__class__.__name__}); using SQLite.")
    folder = tempfile.mkdtemp(prefix="kinframe-bench-")
    return f"sqlite:///{folder}/bench.sqlite3", 20_000


DATABASE_URL, BIG = choose_database()
os.environ["DATABASE_URL"] = DATABASE_URL
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kinframe.settings")
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("CONSOLE_REQUIRE_MFA", "0")
os.environ.setdefault("TASK_BACKEND", "immediate")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")

import django  # noqa: E402

django.setup()

import logging  # noqa: E402

logging.getLogger("kinframe.access").setLevel(logging.WARNING)  # one line per request otherwise

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from kinframe.accounts.models import User  # noqa: E402
from kinframe.audit.actors import Actor  # noqa: E402
from kinframe.connections.models import Connection  # noqa: E402
from kinframe.console.selectors import review_cards, review_counts  # noqa: E402
from kinframe.facilities.models import Agency, Facility, Inmate, StaffMembership  # noqa: E402
from kinframe.photos.models import Photo, ReviewLease  # noqa: E402
from kinframe.photos.review import (  # noqa: E402
    MAX_HELD,
    photo_decide,
    photo_decision_undo,
    review_leases_acquire,
    review_leases_release,
)


def build_facility(
    agency: Agency, code: str, pending: int
) -> tuple[Facility, list[StaffMembership]]:
    """A facility with ``pending`` photos waiting, from SENDERS senders, and six reviewers."""
    facility = Facility.objects.filter(code=code).first()
    if facility is not None and facility.photos.filter(status="pending_review").count() == pending:
        return facility, list(facility.staff_memberships.select_related("user").order_by("pk"))
    print(f"  building {code}: {pending:,} waiting photos ...", flush=True)
    if facility is not None:
        raise SystemExit(f"{code} exists with another size: drop the bench database first.")
    facility = Facility.objects.create(agency=agency, code=code, name=code)
    users = User.objects.bulk_create(
        User(username=f"{code}-sender-{n}", email=f"{code}-{n}@example.org") for n in range(SENDERS)
    )
    inmates = Inmate.objects.bulk_create(
        Inmate(
            agency=agency,
            facility=facility,
            number=f"{code}-{n}",
            first_name="Pat",
            last_name=f"Person {n}",
        )
        for n in range(SENDERS)
    )
    connections = Connection.objects.bulk_create(
        Connection(
            sender=user, inmate=inmate, agency=agency, status="approved", relationship="cousin"
        )
        for user, inmate in zip(users, inmates, strict=True)
    )
    start = datetime(2026, 1, 1, tzinfo=UTC)
    if connection.vendor == "postgresql":
        first_connection = connections[0].pk
        with connection.cursor() as cursor:
            # Senders, inmates and connections were created in step, so connection k's sender
            # and inmate are the k-th of each.
            cursor.execute(
                """
                INSERT INTO photos_photo (public_id, sender_id, inmate_id, connection_id,
                    facility_id, status, price, original, original_name, image, thumbnail, width,
                    height, sha256, phash, failure_message, processing_attempts, created_at,
                    legal_hold)
                SELECT md5(random()::text || g)::uuid, c.sender_id, c.inmate_id, c.id, %s,
                    'pending_review', 100, '', 'photo.jpg', 'photos/bench', 'photos/bench-t',
                    1600, 1200, '', '', '', 1, %s::timestamptz + g * interval '1 second', false
                FROM generate_series(0, %s - 1) AS g
                JOIN connections_connection c ON c.id = %s + (g %% %s)
                """,
                [facility.pk, start, pending, first_connection, SENDERS],
            )
            cursor.execute("ANALYZE photos_photo")
    else:
        batch = []
        for n in range(pending):
            c = connections[n % SENDERS]
            batch.append(
                Photo(
                    sender_id=c.sender_id,
                    inmate_id=c.inmate_id,
                    connection=c,
                    facility=facility,
                    status="pending_review",
                    price=100,
                    image="photos/bench",
                    thumbnail="photos/bench-t",
                    width=1600,
                    height=1200,
                )
            )
            if len(batch) == 5000:
                Photo.objects.bulk_create(batch)
                batch = []
        Photo.objects.bulk_create(batch)
        Photo.objects.filter(facility=facility).update(created_at=start)
    members = [
        StaffMembership.objects.create(
            user=User.objects.create(username=f"{code}-reviewer-{n}"), facility=facility
        )
        for n in range(6)
    ]
    return facility, members


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class Setup:
    def __init__(self, facility: Facility, members: list[StaffMembership]):
        self.facility = facility
        self.reviewer = Actor.staff(members[0])
        self.user = members[0].user
        self.others = [Actor.staff(m) for m in members[1:]]
        self.client = Client()
        self.client.force_login(self.user)
        self.url = reverse("console:review", args=[facility.code])
        self.held: list[int] = []

    def busy_day(self) -> None:
        """Five other reviewers hold a dozen photos each."""
        for other in self.others:
            review_leases_acquire(facility=self.facility, actor=other, want=MAX_HELD)

    def next_photos(self) -> float:
        review_leases_release(facility=self.facility, actor=self.reviewer)
        ReviewLease.objects.filter(reviewer=self.user).delete()  # as after the grace: gone
        start = time.perf_counter()
        held = review_leases_acquire(facility=self.facility, actor=self.reviewer)
        cards = review_cards(facility=self.facility, photo_ids=held)
        elapsed = time.perf_counter() - start
        assert len(cards) == 4
        self.held = held
        return elapsed

    def decision(self) -> float:
        photo_id = self.held[0]
        ReviewLease.objects.filter(photo_id=photo_id).update(
            acquired_at=datetime.now(UTC) - timedelta(seconds=1)
        )
        start = time.perf_counter()
        photo_decide(photo=photo_id, actor=self.reviewer)
        elapsed = time.perf_counter() - start
        photo_decision_undo(photo=photo_id, actor=self.reviewer)  # keep the queue's size
        return elapsed

    def counts(self) -> float:
        start = time.perf_counter()
        review_counts(facility=self.facility, user=self.user)
        return time.perf_counter() - start

    def page(self) -> float:
        review_leases_release(facility=self.facility, actor=self.reviewer)
        ReviewLease.objects.filter(reviewer=self.user).delete()
        start = time.perf_counter()
        response = self.client.get(self.url)
        elapsed = time.perf_counter() - start
        assert response.status_code == 200, response.status_code
        return elapsed


def main() -> int:
    print(f"database: {connection.vendor} ({DATABASE_URL.split('@')[-1]})")
    call_command("migrate", verbosity=0)
    agency, _ = Agency.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
    big = Setup(*build_facility(agency, "bench-big", BIG))
    small = Setup(*build_facility(agency, "bench-small", 100))
    for setup in (big, small):
        ReviewLease.objects.filter(facility=setup.facility).delete()
        setup.busy_day()
    cases = {
        "next photos": lambda s: s.next_photos(),
        "decision": lambda s: s.decision(),
        "counts": lambda s: s.counts(),
        "review page": lambda s: s.page(),
    }
    samples: dict[tuple[str, str], list[float]] = {}
    for round_ in range(WARMUP + ROUNDS):
        order = (big, small) if round_ % 2 == 0 else (small, big)
        for setup in order:
            for name, case in cases.items():
                with transaction.atomic():
                    pass  # a clean connection state between cases
                elapsed = case(setup)
                if round_ >= WARMUP:
                    key = (name, "big" if setup is big else "small")
                    samples.setdefault(key, []).append(elapsed * 1000)
    print(f"\n{ROUNDS} interleaved rounds after {WARMUP} warm-ups; milliseconds")
    print(f"{'case':<13}{'waiting':>9}{'median':>9}{'p25-p75':>16}{'ratio':>8}")
    failed = False
    for name in cases:
        small_median = statistics.median(samples[(name, "small")])
        for size, label in (("small", "100"), ("big", f"{BIG:,}")):
            values = samples[(name, size)]
            median = statistics.median(values)
            spread = f"{percentile(values, 0.25):.2f}-{percentile(values, 0.75):.2f}"
            ratio = median / small_median
            mark = ""
            if size == "big":
                mark = f"{ratio:>8.2f}"
                if ratio > 1.2 and name in ("next photos", "decision"):
                    failed = True
                    mark += "  > 1.2"
            print(f"{name:<13}{label:>9}{median:>9.2f}{spread:>16}{mark}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
