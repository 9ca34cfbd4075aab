"""Page speed at a year's data against a day's: `make bench-load` (issue 13).

What it does, in order:

1. Seeds two PostgreSQL databases with bulk SQL (generate_series): "big", the issue's volumes times
   ``--volume`` (1.0: 1,000,000 photos over 200 facilities, 100,000 senders, 1.5M ledger entries,
   1M photo views, 100,000 photos pending at one facility, a sender with 10,000 ledger entries,
   a person with 2,000 delivered photos), and "small", a thousandth of big.
2. Signs in a sender, a facility admin and a person at an enrolled kiosk in each (sessions made in
   the database through Django, as a sign-in would leave them).
3. Starts each site with production settings (DEBUG off, persistent connections; the cache
   is ``BENCH_CACHE_URL``, e.g. redis://127.0.0.1:6379/6, or each process's memory)
   under gunicorn via ``kinframe serve --no-worker``.
4. Drives both from another process (``load.py drive``, its own keep-alive HTTP client): every
   page on big and on small in one shuffled, interleaved run at concurrency 1, then a mixed read
   load on big at concurrency 8 beside the login page alone at concurrency 8.
5. Prints, per page, p50/p95/p99 on big and small, big/small (p50) and big against the login page
   (p50), and the two throughputs. Targets: big/small <= 1.2, each signed-in page <= 3x login,
   mixed throughput >= a third of login's.

The staff second factor is off on the bench sites (``CONSOLE_REQUIRE_MFA=0``): sessions are made
directly, and the factor's check costs the same at any volume. Kiosk sessions last the whole run.
Each photo's connection is its sender's (the photo's person may differ): no page measured joins
photos to connections' people, and it keeps the seed one statement per table.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import ExitStack, suppress
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
PIN = "583920"  # passes the kiosk PIN rules


# --- volumes and seed -------------------------------------------------------------------------------


def volumes(v: float) -> dict[str, int]:
    """The issue's year of a state system's data, times ``v``, with floors so tiny runs still work.

    The lists measured for one person (sender 1's statement and photos, inmate 1's gallery) have
    more than a full page even on the small site: a page of 10 rows against a page of 50 would
    compare how much a page shows, not how the data's size changes its cost.
    """
    facilities = max(1, round(200 * v))
    return {
        "facilities": facilities,
        "senders": max(20, round(100_000 * v)),
        "inmates": max(facilities * 5, round(50_000 * v)),
        "photos": max(400, round(1_000_000 * v)),
        "pending": max(5, round(100_000 * v)),  # all at facility 1
        "gallery": max(60, round(2_000 * v)),  # delivered to inmate 1: 2.5 gallery pages
        # ledger entries of sender 1, half of them photos: 2.4 statement pages, 3 of photos
        "statement": max(120, round(10_000 * v)),
        "ledger": max(200, round(1_500_000 * v)),
        "views": max(50, round(1_000_000 * v)),
    }


def seed_sql(n: dict[str, int]) -> list[str]:
    f, s, i, p = n["facilities"], n["senders"], n["inmates"], n["photos"]
    pend, gal, own = n["pending"], n["gallery"], n["statement"] // 2
    at_first = (i - 1) // f + 1  # inmates at facility 1: ids 1, 1+f, 1+2f, ...
    rest = p - pend - gal - own
    refunds = rest * 3 // 10  # rejected, withdrawn and failed photos are refunded
    purchases = max(own, n["ledger"] - p - refunds)
    year = "now() - interval '365 days' * ((g::bigint * 104729) % 1000003) / 1000003.0"
    return [
        "INSERT INTO facilities_agency (id, name, slug) VALUES (1, 'State DOC', 'state-doc')",
        f"""INSERT INTO facilities_facility (id, code, name, time_zone, photos_enabled, photo_price,
              agency_id, commission_percent, review_target_minutes)
            SELECT g, 'fac' || g, 'Facility ' || g, 'America/Chicago', true, 100, 1, 0, 240
            FROM generate_series(1, {f}) g""",
        f"""INSERT INTO facilities_rejectionreason (id, code, label, sender_message, is_active,
              position, facility_id)
            SELECT g, 'other', 'Other', 'Not allowed here', true, 1, g FROM generate_series(1, {f}) g""",
        f"""INSERT INTO accounts_user (id, password, is_superuser, username, first_name, last_name,
              email, is_staff, is_active, date_joined, phone, phone_verified, language)
            SELECT g, '!', false,
              CASE WHEN g <= {s} THEN 'fam_' || substr(md5(g::text), 1, 10) ELSE 'staff' || (g - {s}) END,
              'Sam', 'Sender' || g, 'u' || g || '@example.org', false, true,
              now() - interval '400 days', '', false, ''
            FROM generate_series(1, {s + f}) g""",
        f"""INSERT INTO account_emailaddress (id, email, verified, "primary", user_id)
            SELECT g, 'u' || g || '@example.org', true, true, g FROM generate_series(1, {s + f}) g""",
        f"""INSERT INTO facilities_staffmembership (id, role, created_at, facility_id, user_id)
            SELECT g, 'admin', now(), g, {s} + g FROM generate_series(1, {f}) g""",
        f"""INSERT INTO facilities_inmate (id, number, first_name, last_name, status, pin_hash,
              created_at, updated_at, agency_id, facility_id, pin_must_change, language)
            SELECT g, 'A' || lpad(g::text, 7, '0'), 'Pat', 'Person' || g, 'active', '!', now(), now(),
              1, (g - 1) % {f} + 1, false, ''
            FROM generate_series(1, {i}) g""",
        f"""INSERT INTO connections_connection (id, status, relationship, created_at, decided_at,
              agency_id, inmate_id, sender_id)
            SELECT g, 'approved', 'family', now() - interval '380 days', now() - interval '379 days',
              1, (g::bigint * 7919) % {i} + 1, g
            FROM generate_series(1, {s}) g""",
        f"""INSERT INTO photos_photo (id, public_id, status, price, original, original_name, image,
              thumbnail, width, height, sha256, phash, failure_message, processing_attempts,
              created_at, processed_at, reviewed_at, connection_id, facility_id, inmate_id,
              rejection_reason_id, reviewed_by_id, sender_id, legal_hold)
            SELECT g, gen_random_uuid(), st, 100, '', 'photo.jpg', 'bench/' || g || '.jpg',
              'bench/' || g || '_t.jpg', 1200, 800, '', '', '', 1, ts, ts + interval '1 minute',
              CASE WHEN st IN ('approved', 'rejected') THEN ts + interval '3 hours' END,
              snd, (inm - 1) % {f} + 1, inm,
              CASE WHEN st = 'rejected' THEN (inm - 1) % {f} + 1 END,
              CASE WHEN st IN ('approved', 'rejected') THEN {s} + (inm - 1) % {f} + 1 END,
              snd, false
            FROM (
              SELECT g,
                CASE WHEN g <= {pend} THEN 1 + {f} * ((g::bigint * 7919) % {at_first})
                     WHEN g <= {pend + gal} THEN 1
                     ELSE (g::bigint * 7919) % {i} + 1 END AS inm,
                CASE WHEN g > {pend + gal} AND g <= {pend + gal + own} THEN 1
                     ELSE g % {s} + 1 END AS snd,
                CASE WHEN g <= {pend} THEN 'pending_review'
                     WHEN g <= {pend + gal + own} THEN 'approved'
                     ELSE (ARRAY['approved', 'approved', 'approved', 'approved', 'approved',
                                 'approved', 'approved', 'rejected', 'withdrawn', 'failed'])[1 + g % 10]
                END AS st,
                CASE WHEN g <= {pend}
                     THEN now() - interval '30 days' * ((g::bigint * 104729) % 1000003) / 1000003.0
                     ELSE {year} END AS ts
              FROM generate_series(1, {p}) g
            ) x""",
        f"""INSERT INTO photos_photoview (viewer_kind, variant, viewed_at, user_agent, photo_id,
              viewer_inmate_id)
            SELECT 'inmate', 'display', p.created_at + interval '5 hours', '', p.id, p.inmate_id
            FROM generate_series(1, {n["views"]}) g
            JOIN photos_photo p ON p.id = (g::bigint * 7919) % {p} + 1""",
        f"""INSERT INTO payments_purchase (id, credits, amount_cents, currency, provider,
              provider_reference, status, card_brand, card_last4, failure_message, created_at,
              paid_at, user_id, cancel_url, charged_back_credits, payment_reference,
              refunded_credits, success_url)
            SELECT g, c, c, 'usd', 'sandbox', 'cs_bench_' || g, 'paid', 'visa', '4242', '', ts, ts,
              CASE WHEN g <= {own} THEN 1 ELSE g % {s} + 1 END, '', 0, 'pi_bench_' || g, 0, ''
            FROM (SELECT g, 500 * (1 + g % 10) AS c, {year} AS ts
                  FROM generate_series(1, {purchases}) g) x""",
        f"""INSERT INTO credits_wallet (id, balance, updated_at, user_id)
            SELECT g, 0, now(), g FROM generate_series(1, {s}) g""",
        """INSERT INTO credits_ledgerentry (kind, amount, balance_after, reference, memo, created_at,
              purchase_id, wallet_id)
            SELECT 'purchase', credits, 0, 'purchase:' || id, '', paid_at, id, user_id
            FROM payments_purchase""",
        """INSERT INTO credits_ledgerentry (kind, amount, balance_after, reference, memo, created_at,
              photo_id, wallet_id)
            SELECT 'photo_charge', -100, 0, 'photo_charge:' || id, '', created_at, id, sender_id
            FROM photos_photo""",
        """INSERT INTO credits_ledgerentry (kind, amount, balance_after, reference, memo, created_at,
              photo_id, wallet_id)
            SELECT 'photo_refund', 100, 0, 'photo_refund:' || id, '', created_at + interval '3 hours',
              id, sender_id
            FROM photos_photo WHERE status IN ('rejected', 'withdrawn', 'failed')""",
        """UPDATE credits_wallet w SET balance = t.total
            FROM (SELECT wallet_id, sum(amount) AS total FROM credits_ledgerentry GROUP BY 1) t
            WHERE w.id = t.wallet_id""",
        *(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
            for table in (
                "facilities_agency",
                "facilities_facility",
                "facilities_rejectionreason",
                "accounts_user",
                "account_emailaddress",
                "facilities_staffmembership",
                "facilities_inmate",
                "connections_connection",
                "photos_photo",
                "payments_purchase",
                "credits_wallet",
            )
        ),
    ]


def site_env(database: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    """Production settings for a bench site on ``database``."""
    return {
        **os.environ,
        "DATABASE_URL": f"{PG}/{database}",
        "DEBUG": "0",
        "SECRET_KEY": "bench-" + "x" * 50,
        "ALLOWED_HOSTS": "127.0.0.1,testserver",
        "SECURE_COOKIES": "0",
        "CONSOLE_REQUIRE_MFA": "0",
        "PAYMENT_SANDBOX_SECRET": "bench-sandbox-" + "y" * 32,
        "CACHE_URL": os.environ.get("BENCH_CACHE_URL", ""),
        "KIOSK_IDLE_SECONDS": "86400",
        "KIOSK_SESSION_MAX_SECONDS": "86400",
        "LOG_LEVEL": "WARNING",
        **(extra or {}),
    }


def psql(database: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG}/{database}", autocommit=True) as conn:
        conn.execute(sql)


def seed(database: str, v: float) -> None:
    started = time.perf_counter()
    psql("postgres", f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
    psql("postgres", f"CREATE DATABASE {database}")
    env = site_env(database)
    subprocess.run([BIN / "kinframe", "migrate", "-v0", "--noinput"], env=env, check=True)
    import psycopg

    with psycopg.connect(f"{PG}/{database}", autocommit=True) as conn:
        for sql in seed_sql(volumes(v)):
            conn.execute(sql)
        conn.execute("VACUUM ANALYZE")
    print(f"seeded {database} at volume {v:g} in {time.perf_counter() - started:.0f} s", flush=True)


# --- sessions (run inside Django, against one site's database) --------------------------------------


def make_sessions() -> None:
    """Print the cookies of a signed-in sender, facility admin and kiosk person, and page URLs."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kinframe.settings")
    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.test import Client
    from django.urls import reverse

    from kinframe.audit.actors import SYSTEM
    from kinframe.devices.services import kiosk_device_activate, kiosk_device_enrol
    from kinframe.facilities.models import Facility, Inmate
    from kinframe.kiosk.access import DEVICE_COOKIE

    users = get_user_model().objects
    facility = Facility.objects.get(pk=1)
    sender = users.get(pk=1)
    staff = users.get(username="staff1")
    inmate = Inmate.objects.get(pk=1)
    Inmate.objects.filter(pk=1).update(pin_hash=make_password(PIN))

    def cookies_of(client: Client) -> dict[str, str]:
        return {name: morsel.value for name, morsel in client.cookies.items()}

    sender_client, staff_client = Client(), Client()
    sender_client.force_login(sender)
    staff_client.force_login(staff)
    _, code = kiosk_device_enrol(actor=SYSTEM, facility=facility, name="Bench day room")
    _, credential = kiosk_device_activate(actor=SYSTEM, enrolment_code=code)
    kiosk = Client()
    kiosk.cookies[DEVICE_COOKIE] = credential
    signed_in = kiosk.post(reverse("kiosk:sign_in"), {"number": inmate.number, "pin": PIN})
    if signed_in.status_code != 302 or signed_in["Location"] != reverse("kiosk:home"):
        raise SystemExit(f"the kiosk sign-in failed: {signed_in.status_code}")
    history = reverse("console:photos", args=[facility.code])
    # Part of one sender's name, as an investigator would type it (usernames are varied, as real
    # ones are: a name shared by every user would make any substring search read them all).
    part = users.get(pk=users.filter(username__startswith="fam_").count() // 2).username[4:11]
    pages = {
        "login": (None, reverse("account_login")),
        "console photo history": ("staff", history),
        "console search: number": ("staff", f"{history}?q={inmate.number.lower()}"),
        "console search: sender": ("staff", f"{history}?q={part}"),
        "sender credit statement": ("sender", reverse("sender:credits")),
        "kiosk gallery": ("kiosk", reverse("kiosk:home")),
        "review queue": ("staff", reverse("console:review_queue", args=[facility.code])),
        "sender photo history": ("sender", reverse("sender:photos")),
    }
    print(
        json.dumps(
            {
                "cookies": {
                    "sender": cookies_of(sender_client),
                    "staff": cookies_of(staff_client),
                    "kiosk": cookies_of(kiosk),
                },
                "pages": pages,
            }
        )
    )


# --- the load driver (its own process) -------------------------------------------------------------


class Browser:
    """One keep-alive connection to one site, with one person's cookies."""

    def __init__(self, port: int, cookies: dict[str, str] | None):
        self.port = port
        self.cookie = "; ".join(f"{k}={v}" for k, v in (cookies or {}).items())
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def get(self, url: str) -> float:
        headers = {"Cookie": self.cookie} if self.cookie else {}
        started = time.perf_counter()
        for attempt in (1, 2):
            try:
                self.conn.request("GET", url, headers=headers)
                response = self.conn.getresponse()
                response.read()
                break
            except (http.client.HTTPException, ConnectionError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
                if attempt == 2:
                    raise
        elapsed = time.perf_counter() - started
        if response.status != 200:
            raise SystemExit(f"GET {url} on :{self.port} answered {response.status}")
        return elapsed


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def drive(plan_path: str) -> None:
    plan = json.loads(Path(plan_path).read_text())
    sites, rounds, seconds, workers = plan["sites"], plan["rounds"], plan["seconds"], plan["c"]
    pages = sites["big"]["pages"]
    browsers = {
        (site, who): Browser(info["port"], info["cookies"].get(who) if who else None)
        for site, info in sites.items()
        for who in (None, "sender", "staff", "kiosk")
    }
    times: dict[tuple[str, str], list[float]] = {(p, s): [] for p in pages for s in sites}
    jobs = [(page, site) for page in pages for site in sites]
    for job in jobs:  # warm each page once: templates, connections, the database's cache
        page, site = job
        who, url = sites[site]["pages"][page]
        browsers[site, who].get(url)
    shuffle = random.Random(13)
    for _ in range(rounds):
        shuffle.shuffle(jobs)
        for page, site in jobs:
            who, url = sites[site]["pages"][page]
            times[page, site].append(browsers[site, who].get(url))

    def throughput(chosen: list[str]) -> tuple[float, float]:
        done, stop = [], time.perf_counter() + seconds
        statics: list[float] = []

        def work(n: int) -> None:
            mine = {
                who: Browser(
                    sites["big"]["port"], sites["big"]["cookies"].get(who) if who else None
                )
                for who in (None, "sender", "staff", "kiosk")
            }
            pick, count = random.Random(n), 0
            while time.perf_counter() < stop:
                who, url = sites["big"]["pages"][pick.choice(chosen)]
                mine[who].get(url)
                count += 1
            done.append(count)

        threads = [threading.Thread(target=work, args=(n,)) for n in range(workers)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        static = Browser(sites["big"]["port"], None)
        while time.perf_counter() < stop:  # a static file beside the load: does it wait?
            statics.append(static.get(sites["big"]["static"]))
            time.sleep(0.2)
        for thread in threads:
            thread.join()
        return sum(done) / (time.perf_counter() - started), statistics.median(statics)

    signed_in = [p for p in pages if p != "login"]
    mixed, mixed_static = throughput(signed_in)
    login, login_static = throughput(["login"])
    print(
        json.dumps(
            {
                "times": {f"{p}|{s}": t for (p, s), t in times.items()},
                "mixed_rps": mixed,
                "login_rps": login,
                "static_p50_mixed": mixed_static,
                "static_p50_login": login_static,
            }
        )
    )


# --- the run ----------------------------------------------------------------------------------------


def wait_for(port: int, proc: subprocess.Popen) -> None:
    for _ in range(300):
        if proc.poll() is not None:
            raise SystemExit(f"the site on :{port} exited ({proc.returncode})")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"the site on :{port} did not start")


def stop_site(proc: subprocess.Popen) -> None:
    """Stop ``kinframe serve`` and its gunicorn: the whole process group the site started."""
    with suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=30)


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def static_url(port: int) -> str:
    """A static file the login page links to (hashed name under production settings)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/accounts/login/")
    html = conn.getresponse().read().decode()
    start = html.index('href="/static/') + len('href="')
    return html[start : html.index('"', start)]


def report(result: dict, sites: list[str]) -> None:
    times = {tuple(k.split("|")): v for k, v in result["times"].items()}
    pages = list(dict.fromkeys(page for page, _ in times))
    login = statistics.median(times["login", "big"])
    print(
        f"\n{'page':26} {'big p50/p95/p99 ms':>22} {'small p50/p95/p99 ms':>22} "
        f"{'big/small':>9} {'/login':>7}"
    )
    worst_ratio = worst_login = 0.0
    for page in pages:
        big, small = times[page, "big"], times[page, "small"]
        ratio = statistics.median(big) / statistics.median(small)
        vs_login = statistics.median(big) / login
        if page != "login":
            worst_ratio, worst_login = max(worst_ratio, ratio), max(worst_login, vs_login)

        def cell(values: list[float]) -> str:
            ms = [1000 * percentile(values, q) for q in (0.5, 0.95, 0.99)]
            return "/".join(f"{x:.1f}" for x in ms)

        print(f"{page:26} {cell(big):>22} {cell(small):>22} {ratio:>9.2f} {vs_login:>7.2f}")
    mixed, login_rps = result["mixed_rps"], result["login_rps"]
    print(
        f"\nconcurrency {PLAN_C}: mixed signed-in pages {mixed:.1f} req/s, login page "
        f"{login_rps:.1f} req/s: {mixed / login_rps:.2f} of login's"
    )
    print(
        f"static file p50 beside the load: {1000 * result['static_p50_mixed']:.1f} ms (mixed), "
        f"{1000 * result['static_p50_login']:.1f} ms (login)"
    )
    ok = worst_ratio <= 1.2 and worst_login <= 3 and mixed >= login_rps / 3
    print(
        f"targets: big/small <= 1.2 (worst {worst_ratio:.2f}), <= 3x login (worst "
        f"{worst_login:.2f}), mixed >= 1/3 login ({mixed / login_rps:.2f}): "
        f"{'met' if ok else 'NOT met'}"
    )


PLAN_C = 8


def run(args: argparse.Namespace) -> None:
    big_db, small_db = f"{args.db_prefix}_big", f"{args.db_prefix}_small"
    if not args.reuse:
        seed(big_db, args.volume)
        seed(small_db, args.volume / 1000)
    else:  # seeded by older code: bring the schema up to this code's (new columns, indexes)
        for database in (big_db, small_db):
            subprocess.run(
                [BIN / "kinframe", "migrate", "--noinput", "-v0"],
                env=site_env(database, {}),
                check=True,
            )
    print(
        f"volume {args.volume:g} (big) and {args.volume / 1000:g} (small): {volumes(args.volume)}"
    )
    static_root = tempfile.mkdtemp(prefix="kinframe-bench-static-")
    subprocess.run(
        [BIN / "kinframe", "collectstatic", "--noinput", "-v0"],
        env=site_env(big_db, {"STATIC_ROOT": static_root}),
        check=True,
    )
    sites: dict[str, dict] = {}
    with ExitStack() as stack:
        for name, database, port in (
            ("big", big_db, args.port),
            ("small", small_db, args.port + 1),
        ):
            env = site_env(database, {"STATIC_ROOT": static_root, "WEB_WORKERS": str(args.workers)})
            made = subprocess.run(
                [sys.executable, __file__, "sessions"],
                env=env,
                check=True,
                capture_output=True,
                text=True,
            )
            sites[name] = {"port": port, **json.loads(made.stdout.strip().splitlines()[-1])}
            if not port_is_free(port):
                raise SystemExit(f"port {port} is taken (another site?): choose --port")
            log = stack.enter_context(open(Path(static_root) / f"{name}.log", "w"))
            proc = subprocess.Popen(
                [BIN / "kinframe", "serve", "--no-worker", "--bind", f"127.0.0.1:{port}"],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            stack.callback(stop_site, proc)
            wait_for(port, proc)
            sites[name]["static"] = static_url(port)
        plan = Path(static_root) / "plan.json"
        plan.write_text(
            json.dumps(
                {"sites": sites, "rounds": args.rounds, "seconds": args.seconds, "c": PLAN_C}
            )
        )
        print(
            f"driving: {args.rounds} interleaved rounds at concurrency 1, then {args.seconds} s "
            f"mixed and {args.seconds} s login at concurrency {PLAN_C}; "
            f"gunicorn {args.workers} worker(s) x 4 threads per site",
            flush=True,
        )
        driven = subprocess.run(
            [sys.executable, __file__, "drive", str(plan)],
            check=True,
            stdout=subprocess.PIPE,
            text=True,
        )
    report(json.loads(driven.stdout.strip().splitlines()[-1]), ["big", "small"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("sessions")
    drive_parser = sub.add_parser("drive")
    drive_parser.add_argument("plan")
    parser.add_argument("--volume", type=float, default=0.1, help="1.0: the issue's full volume")
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn processes per site")
    parser.add_argument("--port", type=int, default=8631)
    parser.add_argument("--db-prefix", default=os.environ.get("BENCH_DB_PREFIX", "kf_bench"))
    parser.add_argument("--reuse", action="store_true", help="keep the seeded databases")
    args = parser.parse_args()
    if args.command == "sessions":
        make_sessions()
    elif args.command == "drive":
        drive(args.plan)
    else:
        run(args)


if __name__ == "__main__":
    main()
