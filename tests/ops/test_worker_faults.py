"""Fault injection against real worker processes on PostgreSQL (issue 9, finding 2 and 3).

A `kinframe worker` subprocess is killed with SIGKILL in the middle of a photo, and the database
terminates every connection (`pg_terminate_backend`) while senders send. Afterwards every photo
must reach a final state within a minute, each charged once and refunded at most once, with the
ledger balanced. The worker subprocesses use the test database and the test's storage folder,
with a 3-second claim timeout so the reaper's work shows in seconds.
"""

from __future__ import annotations

import functools
import io
import os
import signal
import subprocess
import sys
import threading
import time
from urllib.parse import quote

import psycopg
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from PIL import Image

from kinframe.credits.models import LedgerEntry
from kinframe.photos.errors import PhotoStorageUnavailable
from kinframe.photos.models import Photo
from kinframe.photos.services import photo_send
from tests.actors import as_sender
from tests.factories import give_credits

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

DATABASE_TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default", "photos", "email"],
    }
}
FINAL_WITHIN = 60  # seconds
SENDS = 12
CLAIM_TIMEOUT = 3  # seconds


@pytest.fixture
def database_tasks(on_postgres):
    # The claim timeout also sets when a photo whose task was lost is queued again (at the send).
    with override_settings(
        TASK_BACKEND="database", TASKS=DATABASE_TASKS, PHOTO_CLAIM_TIMEOUT_SECONDS=CLAIM_TIMEOUT
    ):
        yield
    connection.close()  # it may have been terminated; teardown opens a fresh one


def _database_url() -> str:
    db = connection.settings_dict
    auth = quote(db["USER"] or "postgres")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"])
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def start_worker(storage) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "KINFRAME_TESTING": "1",
        "TASK_BACKEND": "database",
        "STORAGE_BACKEND": "local",
        "PRIVATE_MEDIA_ROOT": str(storage),
        "PHOTO_CLAIM_TIMEOUT_SECONDS": str(CLAIM_TIMEOUT),
        "PHOTO_REAPER_INTERVAL_SECONDS": "1",
        "LOG_LEVEL": "WARNING",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "kinframe.cli", "worker"], env=env, stdin=subprocess.DEVNULL
    )


def stop(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=10)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


@functools.cache
def _jpeg_bytes(size: tuple[int, int]) -> bytes:
    image = Image.linear_gradient("L").resize(size).convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def big_jpeg(name: str) -> SimpleUploadedFile:
    """A 12-megapixel photo, as phones take: long enough to process that a kill lands inside."""
    return SimpleUploadedFile(name, _jpeg_bytes((4000, 3000)), content_type="image/jpeg")


def small_jpeg(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, _jpeg_bytes((1200, 900)), content_type="image/jpeg")


def wait_until_final(photo_ids, *, timeout: float = FINAL_WITHIN) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        connection.close()
        waiting = Photo.objects.filter(pk__in=photo_ids, status=Photo.Status.RECEIVED).count()
        if not waiting:
            return time.monotonic() - started
        time.sleep(0.2)
    pytest.fail(f"{waiting} photo(s) still processing after {timeout} s")


def assert_books_balance(sender, photo_ids) -> None:
    charges = LedgerEntry.objects.filter(wallet__user=sender, kind=LedgerEntry.Kind.PHOTO_CHARGE)
    refunds = LedgerEntry.objects.filter(wallet__user=sender, kind=LedgerEntry.Kind.PHOTO_REFUND)
    assert charges.count() == len(photo_ids)  # each photo charged once, no charge without one
    for photo_id in photo_ids:
        assert charges.filter(reference=f"photo_charge:{photo_id}").count() == 1
        assert refunds.filter(reference=f"photo_refund:{photo_id}").count() <= 1
    call_command("check_ledger")  # raises CommandError on any problem


def test_a_worker_killed_mid_photo_loses_nothing(database_tasks, connection_, private_storage):
    sender = connection_.sender
    give_credits(sender, 10_000)
    photo_ids = [
        photo_send(actor=as_sender(sender), connection=connection_, upload=big_jpeg(f"{n}.jpg")).pk
        for n in range(3)
    ]
    first = start_worker(private_storage)
    try:
        deadline = time.monotonic() + 30
        victim = None
        while victim is None and time.monotonic() < deadline:
            victim = (
                Photo.objects.filter(status=Photo.Status.RECEIVED, claimed_at__isnull=False)
                .values_list("pk", flat=True)
                .first()
            )
            if victim is None:
                time.sleep(0.005)
        assert victim is not None, "the worker never claimed a photo"
        first.send_signal(signal.SIGKILL)
        first.wait()
    finally:
        stop(first)

    second = start_worker(private_storage)
    try:
        wait_until_final(photo_ids)
    finally:
        stop(second)

    killed = Photo.objects.get(pk=victim)
    assert killed.status == Photo.Status.PENDING_REVIEW
    assert killed.processing_attempts == 2  # claimed by the dead worker, then by the live one
    assert set(Photo.objects.values_list("status", flat=True)) == {Photo.Status.PENDING_REVIEW}
    for photo in Photo.objects.all():
        assert photo.image.storage.exists(photo.image.name)
    assert_books_balance(sender, photo_ids)


def test_connections_terminated_during_sends_leave_every_photo_whole(
    database_tasks, connection_, private_storage
):
    sender = connection_.sender
    give_credits(sender, 10_000)
    db = connection.settings_dict
    worker = start_worker(private_storage)
    stopping = threading.Event()
    terminated = []

    def terminate_every_connection():
        with psycopg.connect(
            host=db["HOST"] or "127.0.0.1",
            port=db["PORT"] or 5432,
            user=db["USER"],
            password=db.get("PASSWORD") or None,
            dbname=db["NAME"],
            autocommit=True,
        ) as admin:
            while not stopping.wait(0.3):
                rows = admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                ).fetchall()
                terminated.append(len(rows))

    killer = threading.Thread(target=terminate_every_connection, daemon=True)
    sent, refused = [], 0
    try:
        time.sleep(1.5)  # the worker is up and polling: its connections get terminated too
        killer.start()
        uploads = [
            big_jpeg(f"{n}.jpg") if n % 4 == 0 else small_jpeg(f"{n}.jpg") for n in range(SENDS)
        ]
        for upload in uploads:
            try:
                photo = photo_send(actor=as_sender(sender), connection=connection_, upload=upload)
            except PhotoStorageUnavailable:
                refused += 1
            else:
                sent.append(photo.pk)
            connection.close()
            time.sleep(0.05)
        time.sleep(1)
        stopping.set()
        killer.join()
        photo_ids = list(Photo.objects.values_list("pk", flat=True))
        took = wait_until_final(photo_ids)
        assert worker.poll() is None, "the worker exited instead of reconnecting"
    finally:
        stopping.set()
        stop(worker)

    assert sum(terminated) > 0
    assert set(sent) <= set(photo_ids)  # every send that answered success has its photo
    assert len(sent) >= 3, f"only {len(sent)} of {SENDS} sends got through ({refused} refused)"
    for photo in Photo.objects.all():
        assert photo.status == Photo.Status.PENDING_REVIEW, (photo.pk, photo.failure_message)
        assert photo.image.storage.exists(photo.image.name)
    assert_books_balance(sender, photo_ids)
    print(f"{len(sent)} sent, {refused} refused, all final {took:.1f} s after the last send")
