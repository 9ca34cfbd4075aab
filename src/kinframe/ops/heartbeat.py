"""Task workers' heartbeats: written by `kinframe worker`, read by `/readyz` and `/metrics`.

`worker_heartbeat()` is cheap to call on every tick of a worker's loop: it writes at most once per
`HEARTBEAT_EVERY`. The database and RQ loops belong to their libraries, so `kinframe worker` runs
`HeartbeatThread` beside them; a loop of Kinframe's own can call `worker_heartbeat()` directly.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone

from .models import WorkerHeartbeat

HEARTBEAT_EVERY = timedelta(seconds=15)
FORGET_AFTER = timedelta(days=1)

logger = logging.getLogger(__name__)
_last_beat: dict[str, float] = {}


def worker_id_for_this_process() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def worker_heartbeat(*, worker_id: str | None = None, now: datetime | None = None) -> bool:
    """Record that this worker is alive; returns whether a row was written (throttled)."""
    worker_id = worker_id or worker_id_for_this_process()
    monotonic = time.monotonic()
    last = _last_beat.get(worker_id)
    if last is not None and monotonic - last < HEARTBEAT_EVERY.total_seconds():
        return False
    now = now or timezone.now()
    updated = WorkerHeartbeat.objects.filter(worker_id=worker_id).update(seen_at=now)
    if not updated:
        WorkerHeartbeat.objects.update_or_create(
            worker_id=worker_id,
            defaults={"backend": settings.TASK_BACKEND, "started_at": now, "seen_at": now},
        )
        WorkerHeartbeat.objects.filter(seen_at__lt=now - FORGET_AFTER).delete()
    _last_beat[worker_id] = monotonic
    return True


def worker_heartbeat_stop(*, worker_id: str | None = None) -> None:
    """A worker that stops cleanly says so, so readiness does not wait for its beat to go stale."""
    worker_id = worker_id or worker_id_for_this_process()
    WorkerHeartbeat.objects.filter(worker_id=worker_id).delete()
    _last_beat.pop(worker_id, None)


def latest_heartbeat() -> WorkerHeartbeat | None:
    return WorkerHeartbeat.objects.order_by("-seen_at").first()


class HeartbeatThread(threading.Thread):
    """Beats every `HEARTBEAT_EVERY` while the worker's own loop runs in the main thread."""

    def __init__(self, worker_id: str | None = None):
        super().__init__(name="kinframe-heartbeat", daemon=True)
        self.worker_id = worker_id or worker_id_for_this_process()
        self.stopping = threading.Event()

    def start(self) -> None:
        # The first beat is written here, before the worker's loop starts: readiness is true at
        # once, and the thread's later beats never race the loop's first writes.
        worker_heartbeat(worker_id=self.worker_id)
        super().start()

    def run(self) -> None:
        while not self.stopping.wait(HEARTBEAT_EVERY.total_seconds()):
            try:
                worker_heartbeat(worker_id=self.worker_id)
            except Exception:  # a busy or restarting database must not kill the worker
                logger.warning("Could not record the worker's heartbeat", exc_info=True)
                connection.close()
        connection.close()  # this thread's own connection

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=5)
        worker_heartbeat_stop(worker_id=self.worker_id)
