"""Benchmark the task worker: a batch of real-size photos through 1 vs 2 `kinframe worker`s.

Run with ``make bench-workers`` (``.venv/bin/python bench/workers.py``). See ``bench/README.md``.

Issue 13: RQ's forking worker spent 98 ms per photo around a 31 ms ``process_image`` (fork,
re-import, re-harden pyvips) and two workers took 0.62 of one worker's time. The workers are now
non-forking (the database backend's loop, and RQ's SimpleWorker). This measures, on the database
backend:

* **wall time** of a batch of ``--photos`` 12 MP phone JPEGs (4032x3024, ~2.8 MB, made as in
  ``bench/imaging.py``) from the moment their tasks are queued until every photo is waiting for
  review, with 1 and with 2 worker processes, already started and idle (their start-up is not
  the thing measured). Repeats are interleaved (1, 2, 1, 2, ...) so drift in the machine's load
  hits both alike; median and spread (min-max) are reported, and the ratio of the medians
  (target <= 0.6, i.e. two workers at least 1.67x one);
* **per-photo overhead** around ``process_image``: one worker's wall time per photo against the
  median time of ``process_image`` itself on the same photo in this process (target < 30%).
  The overhead is the task claim, reading the original, writing the display and thumbnail, the
  result's transaction with its audit event, and deleting the original.

Database: ``DATABASE_URL`` if set (PostgreSQL, as when scaling out; use a database of its own,
which the bench fills and empties), else a temporary SQLite file. Storage is a temporary folder.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # tests.factories
WORKDIR = Path(tempfile.mkdtemp(prefix="kinframe-bench-workers-"))
ENV = {
    "KINFRAME_TESTING": "1",  # test password hashers and settings; the task backend is set below
    "TASK_BACKEND": "database",
    "STORAGE_BACKEND": "local",
    "PRIVATE_MEDIA_ROOT": str(WORKDIR / "private"),
    "KINFRAME_DATA_DIR": str(WORKDIR),
    "DATABASE_URL": os.environ.get("DATABASE_URL") or f"sqlite:///{WORKDIR / 'bench.sqlite3'}",
    "LOG_LEVEL": "ERROR",
    # One libvips thread per worker: N workers on N cores, rather than each spreading over all.
    "VIPS_CONCURRENCY": "1",
    "DJANGO_SETTINGS_MODULE": "kinframe.settings",
}
os.environ.update(ENV)

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from kinframe.photos.imaging import process_image  # noqa: E402
from kinframe.photos.models import Photo  # noqa: E402


def phone_jpeg() -> bytes:
    """A 12 MP phone-like JPEG: a real photo enlarged, with grain (see bench/imaging.py)."""
    import io

    import numpy as np
    from PIL import Image

    heic = ROOT / "tests" / "fixtures" / "photos" / "heic_IMG_5195.HEIC"
    import pi_heif

    pi_heif.register_heif_opener()
    photo = Image.open(heic).convert("RGB").transpose(Image.Transpose.ROTATE_90)
    photo = photo.resize((4032, 3024), Image.Resampling.LANCZOS)
    grain = np.random.default_rng(12).normal(0, 3.0, (3024, 4032, 1))
    pixels = np.clip(np.asarray(photo, dtype=np.float32) + grain, 0, 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "JPEG", quality=92)
    return buffer.getvalue()


def make_sender():
    from tests.factories import ConnectionFactory, give_credits

    connection_ = ConnectionFactory()
    give_credits(connection_.sender, 10_000_000)
    return connection_


def send_batch(connection_, data: bytes, count: int) -> list[int]:
    """``count`` photos sent and charged, their tasks not yet queued (workers wait idle)."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from tests.actors import as_sender

    from kinframe.photos.services import photo_send

    ids = []
    with transaction.atomic():  # tasks are queued on commit: discard them, queue them later
        for n in range(count):
            upload = SimpleUploadedFile(f"{n}.jpg", data, content_type="image/jpeg")
            ids.append(
                photo_send(
                    actor=as_sender(connection_.sender), connection=connection_, upload=upload
                ).pk
            )
        connection.run_on_commit = []
    return ids


def queue_batch(ids: list[int]) -> None:
    from kinframe.photos.tasks import process_photo

    with transaction.atomic():
        for pk in ids:
            process_photo.enqueue(pk)


def start_workers(count: int) -> list[subprocess.Popen]:
    """Start ``count`` workers and return once each has warmed up and entered its loop."""
    command = [sys.executable, "-m", "kinframe.cli", "worker", "--interval", "0.05"]
    env = {**os.environ, "LOG_LEVEL": "INFO"}
    processes = [
        subprocess.Popen(
            command, env=env, stdin=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        for _ in range(count)
    ]
    for process in processes:
        ready = threading.Event()
        threading.Thread(target=_drain, args=(process, ready), daemon=True).start()
        if not ready.wait(300):
            raise SystemExit("a worker did not start")
    return processes


def _drain(process: subprocess.Popen, ready: threading.Event) -> None:
    """Read the worker's log (so its pipe never fills) and note when its loop starts."""
    assert process.stderr is not None
    for line in process.stderr:
        if "Starting worker" in line:
            ready.set()


def stop_workers(workers: list[subprocess.Popen]) -> None:
    for worker in workers:
        worker.terminate()
    for worker in workers:
        worker.wait(timeout=30)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux: /proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_until_idle(processes: list[subprocess.Popen], timeout: float = 120) -> None:
    """Wait until every worker has finished starting: its CPU time stops growing."""
    deadline = time.monotonic() + timeout
    last = [cpu_seconds(p.pid) for p in processes]
    while time.monotonic() < deadline:
        time.sleep(1.0)
        now = [cpu_seconds(p.pid) for p in processes]
        if all(b - a < 0.1 for a, b in zip(last, now, strict=True)):
            return
        last = now
    raise SystemExit("the workers did not settle")


def run_batch(workers: int, connection_, data: bytes, photos: int) -> tuple[float, float]:
    """Wall time of the batch, and the CPU time its workers spent on it."""
    ids = send_batch(connection_, data, photos)
    processes = start_workers(workers)
    try:
        cpu_before = sum(cpu_seconds(p.pid) for p in processes)
        started = time.perf_counter()
        queue_batch(ids)
        while Photo.objects.filter(pk__in=ids, status=Photo.Status.RECEIVED).exists():
            time.sleep(0.01)
        elapsed = time.perf_counter() - started
        cpu = sum(cpu_seconds(p.pid) for p in processes) - cpu_before
    finally:
        stop_workers(processes)
    done = Photo.objects.filter(pk__in=ids, status=Photo.Status.PENDING_REVIEW).count()
    if done != len(ids):
        raise SystemExit(f"only {done} of {len(ids)} photos reached review")
    return elapsed, cpu


BARE = """
import os, sys, time
from kinframe.photos.imaging import process_image
data = open(sys.argv[1], "rb").read()
process_image(data, max_bytes=30_000_000, max_pixels=100_000_000)  # warm, like an idle worker
sys.stdin.readline()  # wait for the start
for _ in range(int(sys.argv[2])):
    process_image(data, max_bytes=30_000_000, max_pixels=100_000_000)
"""


def run_bare(processes: int, path: Path, photos: int) -> tuple[float, float]:
    """The control: ``process_image`` alone in 1 or 2 processes, no worker, no database.

    What this machine allows right now: two busy processes on a shared machine rarely get two
    whole cores, so the workers' ratio is read against this one.
    """
    per = photos // processes
    children = [
        subprocess.Popen(
            [sys.executable, "-c", BARE, str(path), str(per)],
            stdin=subprocess.PIPE,
            env={**os.environ},
        )
        for _ in range(processes)
    ]
    wait_until_idle(children)
    cpu_before = sum(cpu_seconds(c.pid) for c in children)
    started = time.perf_counter()
    for child in children:
        child.stdin.write(b"go\n")
        child.stdin.flush()
    cpu = 0.0
    for child in children:
        # Read the CPU time just before the child exits: poll until it is done working.
        while child.poll() is None:
            try:
                last = cpu_seconds(child.pid)
            except (FileNotFoundError, ProcessLookupError):
                break
            time.sleep(0.005)
        cpu += last
    elapsed = time.perf_counter() - started
    return elapsed, cpu - cpu_before


def spread(values: list[float]) -> str:
    return (
        f"median {statistics.median(values):.2f} s (min {min(values):.2f}, max {max(values):.2f})"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=40)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)  # the bench's own database: start empty
    connection_ = make_sender()
    data = phone_jpeg()
    print(
        f"Database: {connection.vendor}; {args.photos} photos of {len(data) / 1e6:.1f} MB per batch"
    )

    bare, bare_cpu = [], []
    for _ in range(12):
        started, cpu = time.perf_counter(), time.process_time()
        process_image(data, max_bytes=30_000_000, max_pixels=100_000_000)
        bare.append(time.perf_counter() - started)
        bare_cpu.append(time.process_time() - cpu)
    bare_median, bare_cpu_median = statistics.median(bare[2:]), statistics.median(bare_cpu[2:])

    photo_path = WORKDIR / "12mp.jpg"
    photo_path.write_bytes(data)
    walls: dict[int, list[float]] = {1: [], 2: []}
    cpus: dict[int, list[float]] = {1: [], 2: []}
    bare_walls: dict[int, list[float]] = {1: [], 2: []}
    for repeat in range(args.repeats):
        for workers in (1, 2):
            bare_wall, bare_cpu_total = run_bare(workers, photo_path, args.photos)
            bare_walls[workers].append(bare_wall)
            print(
                f"  repeat {repeat + 1}: {workers} bare process(es) {bare_wall:.2f} s, "
                f"{bare_cpu_total / args.photos * 1000:.0f} ms CPU per photo",
                flush=True,
            )
            wall, cpu = run_batch(workers, connection_, data, args.photos)
            walls[workers].append(wall)
            cpus[workers].append(cpu / args.photos)
            print(
                f"  repeat {repeat + 1}: {workers} worker(s) {wall:.2f} s, "
                f"{cpu / args.photos * 1000:.0f} ms CPU per photo",
                flush=True,
            )

    one, two = statistics.median(walls[1]), statistics.median(walls[2])
    ratios = [b / a for a, b in zip(walls[1], walls[2], strict=True)]
    per_photo = one / args.photos
    cpu_per_photo = statistics.median(cpus[1])
    overhead = cpu_per_photo / bare_cpu_median - 1
    print(
        f"process_image alone (this process): median {bare_median * 1000:.0f} ms wall, "
        f"{bare_cpu_median * 1000:.0f} ms CPU per photo"
    )
    print(f"1 worker : {spread(walls[1])}; {per_photo * 1000:.0f} ms wall per photo")
    print(f"2 workers: {spread(walls[2])}")
    print(
        f"ratio 2/1: {two / one:.2f} of the medians (per repeat: min {min(ratios):.2f}, "
        f"max {max(ratios):.2f}); target <= 0.60"
    )
    print(
        f"worker CPU per photo: median {cpu_per_photo * 1000:.0f} ms (min "
        f"{min(cpus[1]) * 1000:.0f}, max {max(cpus[1]) * 1000:.0f}); overhead around "
        f"process_image {overhead:.0%} of its CPU; target < 30%"
    )
    print(f"wall per photo against process_image's wall: {per_photo / bare_median - 1:+.0%}")
    bare_one, bare_two = statistics.median(bare_walls[1]), statistics.median(bare_walls[2])
    print(
        f"control, process_image alone in 1 vs 2 processes: {spread(bare_walls[1])} vs "
        f"{spread(bare_walls[2])}; ratio {bare_two / bare_one:.2f} (what this machine allows now)"
    )
    print(f"load average (1, 5, 15 min): {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    ok = two / one <= 0.6 and overhead < 0.3
    print("targets met" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    try:
        raise SystemExit(main())
    finally:
        import shutil

        if not os.environ.get("KEEP_BENCH_FILES"):
            shutil.rmtree(WORKDIR, ignore_errors=True)
