"""Benchmarks for the consistency flags (``make bench-flags``).

1. ``lookup``: the near-duplicate lookup (``photos.flags.near_duplicates``) against 1,000 and
   1,000,000 stored hashes on PostgreSQL, interleaved in one run (two facilities in one table: the
   index is (facility, band), so a facility with 1,000 photos is the small case), with the
   linear scan it replaces as the baseline. Medians and the interquartile range, and a check that
   the banded lookup finds exactly what the linear scan finds.
2. ``detector``: precision and recall of the mostly-text/screenshot detector on a labelled set
   built here (rendered pages and chat screens, Chromium screenshots of web pages when Chromium is
   installed, and real photos from tests/fixtures/photos, whole and cropped, some with a caption).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kf_flags .venv/bin/python bench/flags.py
    .venv/bin/python bench/flags.py detector         # no database needed
"""

from __future__ import annotations

import io
import os
import random
import shutil
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kinframe.settings")
os.environ.setdefault("DEBUG", "1")  # a benchmark, not a deployment: the settings' dev defaults


# --- 1. The lookup ---------------------------------------------------------------------------------

SMALL, LARGE = 1_000, 1_000_000
QUERIES = 200
ROUNDS = 5


def _flip(value: int, bits: int, rng: random.Random) -> int:
    for bit in rng.sample(range(64), bits):
        value ^= 1 << bit
    return value


def _population(n: int, rng: random.Random) -> list[int]:
    """Hashes shaped like a facility's: mostly unrelated photos, some resent copies (1-5 bits
    apart) of a few hundred popular ones, and some low-detail pictures whose hashes are mostly
    zero bits (flat areas), which crowd a few band values the way real dHashes do."""
    bases = [rng.getrandbits(64) for _ in range(max(10, n // 2000))]
    values = []
    for i in range(n):
        roll = i % 20
        if roll == 0:
            values.append(_flip(rng.choice(bases), rng.randint(1, 5), rng))
        elif roll == 1:
            values.append(rng.getrandbits(64) & rng.getrandbits(64) & rng.getrandbits(64))
        else:
            values.append(rng.getrandbits(64))
    return values


def _fill(facility, values: list[int]) -> None:
    """Insert photos and their hash bands with COPY (minutes by the ORM, seconds this way)."""
    from django.db import connection

    from kinframe.photos.models import Photo, phash_bands, phash_to_signed

    template = Photo.objects.filter(facility=facility).first()
    assert template is not None
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM photos_photo")
        start = cursor.fetchone()[0] + 1
        raw = cursor.cursor
        columns = (
            "id, public_id, sender_id, inmate_id, connection_id, facility_id, status, price, "
            "original, original_name, image, thumbnail, sha256, phash, failure_message, "
            "processing_attempts, created_at, legal_hold"
        )
        statuses = ("approved", "rejected")
        with raw.copy(f"COPY photos_photo ({columns}) FROM STDIN") as copy:
            for offset, value in enumerate(values):
                copy.write_row(
                    (
                        start + offset, __import__("uuid").uuid4(), template.sender_id,
                        template.inmate_id, template.connection_id, facility.pk,
                        statuses[offset % 2], 100, "", "", "", "", "", f"{value:016x}", "", 1,
                        template.created_at, False,
                    )
                )  # fmt: skip
        with raw.copy(
            "COPY photos_photohash (photo_id, facility_id, value, b0, b1, b2, b3, b4, b5) FROM STDIN"
        ) as copy:
            for offset, value in enumerate(values):
                copy.write_row(
                    (start + offset, facility.pk, phash_to_signed(value), *phash_bands(value))
                )
        # COPY with explicit ids does not move the sequence; the next ORM insert must not collide.
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('photos_photo', 'id'), MAX(id)) FROM photos_photo"
        )
    # What autovacuum leaves a settled table with: statistics, and the visibility map that lets
    # the band lookups answer from the covering indexes alone.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE photos_photo")
        cursor.execute("VACUUM ANALYZE photos_photohash")


def _linear(facility_id: int, value: int, limit: int = 5) -> list[tuple[int, int]]:
    """The baseline: read every decided hash of the facility and compare each."""
    from kinframe.photos.flags import DECIDED, hash_distance
    from kinframe.photos.models import PhotoHash

    rows = PhotoHash.objects.filter(facility_id=facility_id, photo__status__in=DECIDED)
    found = [
        (pk, d)
        for pk, stored in rows.values_list("photo_id", "value").iterator(chunk_size=20_000)
        if (d := hash_distance(stored, value)) <= limit
    ]
    return sorted(found, key=lambda m: (m[1], -m[0]))


def _joined(facility_id: int, value: int, limit: int = 5) -> list[tuple[int, int]]:
    """The first design, kept as a baseline: one OR over the six bands joined to every
    candidate's photo for its status, then popcount."""
    from django.db.models import Q

    from kinframe.photos.flags import DECIDED, hash_distance
    from kinframe.photos.models import PhotoHash, phash_bands

    any_band = Q()
    for i, band in enumerate(phash_bands(value)):
        any_band |= Q(**{f"b{i}": band})
    rows = PhotoHash.objects.filter(any_band, facility_id=facility_id, photo__status__in=DECIDED)
    found = [
        (pk, d)
        for pk, stored in rows.values_list("photo_id", "value")
        if (d := hash_distance(stored, value)) <= limit
    ]
    return sorted(found, key=lambda m: (m[1], -m[0]))


def _summary(samples: list[float]) -> str:
    q = statistics.quantiles(samples, n=4)
    return f"median {statistics.median(samples):7.2f} ms  IQR {q[0]:.2f}-{q[2]:.2f} ms  n={len(samples)}"


def bench_lookup() -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from tests.factories import FacilityFactory, PhotoFactory  # noqa: F401 (uses factory_boy)

    from kinframe.photos.flags import near_duplicates

    if connection.vendor != "postgresql":
        sys.exit("The lookup benchmark needs PostgreSQL: set DATABASE_URL=postgres://...")
    call_command("migrate", verbosity=0)
    from tests.factories import ConnectionFactory

    from kinframe.connections.models import Connection
    from kinframe.photos.models import PhotoHash

    rng = random.Random(11)
    facilities = {}
    for label, n in (("small", SMALL), ("large", LARGE)):
        marker = f"bench-flags-{label}"
        conn = Connection.objects.filter(inmate__facility__code=marker).first()
        if conn is None:
            conn = ConnectionFactory(inmate__facility__code=marker)
        facility = conn.inmate.facility
        _clear(facility)  # a previous run that stopped half-way
        PhotoFactory(connection=conn, files=False)
        started = time.perf_counter()
        values = _population(n, rng)
        _fill(facility, values)
        print(
            f"stored {n:>9,} hashes for the {label} facility in {time.perf_counter() - started:.1f} s"
        )
        facilities[label] = (facility, values)
    total = PhotoHash.objects.count()
    print(f"photos_photohash holds {total:,} rows; PostgreSQL {connection.pg_version // 10000}")

    # Queries: half are resent copies (1-5 bits from a stored hash), half are new pictures.
    queries = {}
    for label, (_facility, values) in facilities.items():
        qs = [_flip(rng.choice(values), rng.randint(1, 5), rng) for _ in range(QUERIES // 2)]
        qs += [rng.getrandbits(64) for _ in range(QUERIES // 2)]
        queries[label] = qs

    # Correctness: banded lookup == linear scan, on 20 queries of each size.
    for label, (facility, _values) in facilities.items():
        for value in queries[label][:10] + queries[label][-10:]:
            assert near_duplicates(facility_id=facility.pk, phash=f"{value:016x}") == _linear(
                facility.pk, value
            ), "the banded lookup missed or added a match"
    print("banded lookup == linear scan on 40 queries")

    samples: dict[str, list[float]] = {
        "small": [],
        "large": [],
        "linear-small": [],
        "joined-small": [],
        "joined-large": [],
    }
    linear_large: list[float] = []
    for _round in range(ROUNDS):
        for i in range(QUERIES):
            for label in ("small", "large"):  # interleaved: the two sizes share every disturbance
                facility = facilities[label][0]
                value = queries[label][i]
                t = time.perf_counter()
                near_duplicates(facility_id=facility.pk, phash=f"{value:016x}")
                samples[label].append((time.perf_counter() - t) * 1000)
            if i % 5 == 0:
                for label in ("small", "large"):
                    t = time.perf_counter()
                    _joined(facilities[label][0].pk, queries[label][i])
                    samples[f"joined-{label}"].append((time.perf_counter() - t) * 1000)
            if i % 20 == 0:
                t = time.perf_counter()
                _linear(facilities["small"][0].pk, queries["small"][i])
                samples["linear-small"].append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        _linear(facilities["large"][0].pk, queries["large"][0])
        linear_large.append((time.perf_counter() - t) * 1000)
    print(f"banded,      1,000 hashes: {_summary(samples['small'])}")
    print(f"banded,  1,000,000 hashes: {_summary(samples['large'])}")
    print(f"joined,      1,000 hashes: {_summary(samples['joined-small'])}")
    print(f"joined,  1,000,000 hashes: {_summary(samples['joined-large'])}")
    print(f"linear,      1,000 hashes: {_summary(samples['linear-small'])}")
    print(
        f"linear,  1,000,000 hashes: median {statistics.median(linear_large):7.0f} ms  "
        f"range {min(linear_large):.0f}-{max(linear_large):.0f} ms  n={len(linear_large)}"
    )
    ratio = statistics.median(samples["large"]) / statistics.median(samples["small"])
    print(f"banded lookup, 1,000,000 / 1,000: {ratio:.1f}x the time for 1000x the hashes")
    with connection.cursor() as cursor:
        value = queries["large"][0]
        band = PhotoHash.objects.filter(
            facility_id=facilities["large"][0].pk, b0=(value >> 53) & 2047
        ).values_list("photo_id", "value")
        sql, params = band.query.sql_with_params()
        cursor.execute("EXPLAIN " + sql, params)
        print("plan of one band:", " / ".join(row[0].strip() for row in cursor.fetchall()))
    for facility, _values in facilities.values():
        _clear(facility)  # leave the database as we found it


def _clear(facility) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM photos_photohash WHERE facility_id = %s", [facility.pk])
        cursor.execute("DELETE FROM photos_photo WHERE facility_id = %s", [facility.pk])


# --- 2. The text / screenshot detector -------------------------------------------------------------

DARK = "font:16px sans-serif;background:#222;color:#eee;padding:20px"
NAV = "<nav style='width:180px;background:#eef'>Menu<br>Home<br>News<br>Sports</nav>"
PAGES = [
    "<h1>Court date reminder</h1>" + "<p>Please remember the hearing on Tuesday at nine. " * 12,
    "<table border=1>"
    + "".join(f"<tr><td>Item {i}</td><td>${i * 3}.00</td><td>paid</td></tr>" for i in range(25))
    + "</table>",
    f"<div style='{DARK}'>"
    + "<p>Dark mode article text, line after line of words. " * 15
    + "</div>",
    "<form>"
    + "".join(f"<label>Field {i}<input value='answer {i}'></label><br>" for i in range(14))
    + "<button>Submit</button></form>",
    "<ul>"
    + "".join(f"<li><a href='#'>Link {i} to some page</a></li>" for i in range(30))
    + "</ul>",
    f"<div style='display:flex;gap:10px'>{NAV}<main><h2>Headline</h2>"
    + "<p>Body copy continues here with more words. " * 10
    + "</main></div>",
]


def _screenshots() -> list[bytes]:
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(chromium).exists():
        print("(no Chromium: web page screenshots skipped)")
        return []
    from playwright.sync_api import sync_playwright

    shots = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium)
        for size in ((1280, 800), (390, 844)):
            page = browser.new_page(viewport={"width": size[0], "height": size[1]})
            for html in PAGES:
                page.set_content(f"<body style='margin:16px;font-family:sans-serif'>{html}</body>")
                shots.append(page.screenshot(type="png"))
        browser.close()
    return shots


def _chat_screen(seed: int, dark: bool = False) -> bytes:
    from PIL import Image, ImageDraw, ImageFont

    rng = random.Random(seed)
    bg, bubble, ink = (
        ((18, 18, 18), (45, 45, 48), (230, 230, 230))
        if dark
        else ((255, 255, 255), (225, 240, 255), (20, 20, 20))
    )
    image = Image.new("RGB", (720, 1480), bg)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 720, 110), fill=(0, 122, 255))
    font = ImageFont.load_default(size=26)
    y = 140
    while y < 1350:
        width = rng.randint(260, 600)
        x = 20 if rng.random() < 0.5 else 700 - width
        lines = rng.randint(1, 3)
        draw.rounded_rectangle((x, y, x + width, y + 20 + 34 * lines), 18, fill=bubble)
        for line in range(lines):
            draw.text(
                (x + 16, y + 10 + 34 * line),
                "message text goes here ok"[: rng.randint(8, 25)],
                fill=ink,
                font=font,
            )
        y += 40 + 34 * lines
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()  # fmt: skip


def _crop(data: bytes, box: tuple[float, float, float, float]) -> bytes:
    from PIL import Image

    image = Image.open(io.BytesIO(data)).convert("RGB")
    w, h = image.size
    image = image.crop((int(box[0] * w), int(box[1] * h), int(box[2] * w), int(box[3] * h)))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=88)
    return buffer.getvalue()


def _captioned(data: bytes, text: str) -> bytes:
    from PIL import Image, ImageDraw, ImageFont

    image = Image.open(io.BytesIO(data)).convert("RGB")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=max(14, image.height // 14))
    draw.text(
        (image.width // 10, image.height * 5 // 6),
        text,
        fill="white",
        font=font,
        stroke_width=2,
        stroke_fill="black",
    )
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=88)
    return buffer.getvalue()  # fmt: skip


def labelled_set() -> list[tuple[str, bytes, bool]]:
    """(name, file, is text or screenshot)."""
    from tests.photos.flag_images import PHOTOS, text_page

    items: list[tuple[str, bytes, bool]] = []
    for i, (lines, size) in enumerate(
        ((18, (900, 1200)), (6, (900, 1200)), (25, (1200, 900)), (10, (600, 800)))
    ):
        items.append((f"page-{i}", text_page(lines, size=size, seed=i), True))
    for seed in range(3):
        items.append((f"chat-{seed}", _chat_screen(seed), True))
        items.append((f"chat-dark-{seed}", _chat_screen(seed, dark=True), True))
    for i, shot in enumerate(_screenshots()):
        items.append((f"web-{i}", shot, True))
    photos = [
        "Canon_40D.jpg",
        "Nikon_D70.jpg",
        "gps_DSCN0010.jpg",
        "gps_DSCN0021.jpg",
        "orientation_landscape_1.jpg",
        "tests_45-gps_ifd.jpg",
        "invalid_image00971.jpg",
        "invalid_image01137.jpg",
        "xmp_BlueSquare.jpg",
    ]
    for name in photos:
        data = (PHOTOS / name).read_bytes()
        items.append((name, data, False))
        items.append((f"{name}:centre", _crop(data, (0.25, 0.25, 0.75, 0.75)), False))
        items.append((f"{name}:corner", _crop(data, (0.0, 0.0, 0.6, 0.6)), False))
        items.append((f"{name}:caption", _captioned(data, "Happy birthday!"), False))
    return items  # fmt: skip


def bench_detector() -> None:
    from kinframe.photos.flags import TEXT_THRESHOLD, analyse_image

    items = labelled_set()
    scored = []
    t = time.perf_counter()
    for name, data, truth in items:
        scored.append((name, analyse_image(data).text_score, truth))
    elapsed = (time.perf_counter() - t) * 1000 / len(items)
    positives = sum(1 for *_x, truth in scored if truth)
    print(
        f"labelled set: {len(scored)} images, {positives} text/screenshots, {len(scored) - positives} photos"
    )
    print(f"analyse_image (QR read + text score): {elapsed:.0f} ms per image on average")
    for threshold in (0.3, 0.35, TEXT_THRESHOLD, 0.5, 0.6):
        tp = sum(1 for _n, s, truth in scored if truth and s >= threshold)
        fp = sum(1 for _n, s, truth in scored if not truth and s >= threshold)
        fn = sum(1 for _n, s, truth in scored if truth and s < threshold)
        precision = tp / (tp + fp) if tp + fp else 1.0
        recall = tp / (tp + fn) if tp + fn else 1.0
        mark = "  <- TEXT_THRESHOLD" if threshold == TEXT_THRESHOLD else ""
        print(
            f"threshold {threshold:.2f}: precision {precision:.2f} ({tp}/{tp + fp})  "
            f"recall {recall:.2f} ({tp}/{tp + fn}){mark}"
        )
    print("misclassified at the threshold:")
    for name, s, truth in scored:
        if (s >= TEXT_THRESHOLD) != truth:
            print(f"  {name:32s} score {s:.2f}  labelled {'text' if truth else 'photo'}")  # fmt: skip


# --- 3. Which resends stay within the distance --------------------------------------------------


def _variant(data: bytes, *, scale: float = 1.0, quality: int = 85, crop: float = 0.0) -> bytes:
    from PIL import Image

    image = Image.open(io.BytesIO(data)).convert("RGB")
    if crop:
        w, h = image.size
        image = image.crop((int(w * crop), int(h * crop), int(w * (1 - crop)), int(h * (1 - crop))))
    if scale != 1.0:
        image = image.resize((round(image.width * scale), round(image.height * scale)))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def bench_resends() -> None:
    """dHash distance between a photo and what a sender does to it before sending it again."""
    from tests.photos.flag_images import PHOTOS

    from kinframe.photos.flags import NEAR_DUPLICATE_DISTANCE, hash_distance
    from kinframe.photos.imaging import process_image

    names = [
        "Canon_40D.jpg", "Nikon_D70.jpg", "gps_DSCN0010.jpg", "gps_DSCN0021.jpg",
        "orientation_landscape_1.jpg", "tests_45-gps_ifd.jpg", "invalid_image01137.jpg",
    ]  # fmt: skip
    transforms = {
        "resized 60%, q70": {"scale": 0.6, "quality": 70},
        "resized 30%, q50": {"scale": 0.3, "quality": 50},
        "recompressed q40": {"quality": 40},
        "cropped 3% a side": {"crop": 0.03},
        "cropped 10% a side": {"crop": 0.10},
    }

    def phash(data: bytes) -> int:
        return int(process_image(data, max_bytes=1 << 26, max_pixels=1 << 28).phash, 16)

    originals = {name: (PHOTOS / name).read_bytes() for name in names}
    hashes = {name: phash(data) for name, data in originals.items()}
    print(f"resends of {len(names)} photos; flagged when distance <= {NEAR_DUPLICATE_DISTANCE}:")
    for label, options in transforms.items():
        distances = [
            hash_distance(hashes[n], phash(_variant(originals[n], **options))) for n in names
        ]
        caught = sum(d <= NEAR_DUPLICATE_DISTANCE for d in distances)
        print(f"  {label:20s} distances {sorted(distances)}  flagged {caught}/{len(names)}")
    unrelated = [
        hash_distance(hashes[a], hashes[b]) for i, a in enumerate(names) for b in names[i + 1 :]
    ]
    print(
        f"  unrelated pairs      smallest distance {min(unrelated)}, median {statistics.median(unrelated)}"
    )


if __name__ == "__main__":
    which = sys.argv[1:] or ["detector", "resends", "lookup"]
    if "detector" in which or "resends" in which:
        import django

        django.setup()
    if "detector" in which:
        bench_detector()
    if "resends" in which:
        bench_resends()
    if "lookup" in which:
        bench_lookup()
