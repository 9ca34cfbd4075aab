"""The task worker's loop: it outlives a dropped database connection and keeps the photos moving.

django-tasks-db's worker exits on any database error other than a locked SQLite file, and nothing
restarted it, so one dropped connection stopped all processing (issue 9). Here each tick of the
loop catches the database's connection errors, closes the broken connections, waits with a
doubling pause and goes on. Between ticks the worker runs the photo upkeep: the reaper every
``PHOTO_REAPER_INTERVAL_SECONDS`` and the orphan-file sweeper every ``PHOTO_ORPHAN_SWEEP_SECONDS``.

With the RQ backend the same upkeep runs in a thread beside RQ's worker (see the worker command).
"""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connections
from django_tasks_db.management.commands.db_worker import Worker as DatabaseWorker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

from kinframe.db import close_broken_connections
from kinframe.photos.files import photo_files_sweep_orphans
from kinframe.photos.processing import photos_requeue_stuck, processing_warm_up

from .backoff import Backoff

logger = logging.getLogger("kinframe.worker")

#: Errors that mean "the database went away", after which the worker reconnects.
CONNECTION_ERRORS = (DatabaseError, InterfaceError)


def _drop_broken_connections() -> None:
    """Close every connection so the next query opens a fresh one (closing a dead one can fail)."""
    for conn in connections.all(initialized_only=True):
        with contextlib.suppress(Exception):  # it is dead already; closing only tidies up
            conn.close()


class PhotoUpkeep:
    """The periodic jobs every worker runs: re-queue stuck photos, remove orphaned files."""

    def __init__(self, *, clock: Callable[[], float] = time.monotonic):
        self.clock = clock
        self.reap_every = settings.PHOTO_REAPER_INTERVAL_SECONDS
        self.sweep_every = settings.PHOTO_ORPHAN_SWEEP_SECONDS
        self.next_reap = self.next_sweep = clock()

    def run_due(self) -> None:
        """Run whichever job is due. A failing job is logged and tried again at its next turn."""
        now = self.clock()
        if now >= self.next_reap:
            self.next_reap = now + self.reap_every
            self._run("reaper", photos_requeue_stuck, "Re-queued %s photo(s)")
        if now >= self.next_sweep:
            self.next_sweep = now + self.sweep_every
            self._run("sweeper", photo_files_sweep_orphans, "Removed %s orphaned file(s)")

    def _run(self, name: str, job: Callable[[], int], message: str) -> None:
        try:
            count = job()
        except CONNECTION_ERRORS:
            logger.warning("Photo %s could not reach the database", name, exc_info=True)
            _drop_broken_connections()
        except Exception:
            logger.exception("Photo %s failed", name)
        else:
            if count:
                logger.info(message, count)

    def run_forever(self, stop: threading.Event, *, tick: float = 1.0) -> None:
        """For a worker whose loop is not ours (RQ): run the upkeep from a thread until ``stop``."""
        try:
            while not stop.is_set():
                self.run_due()
                stop.wait(tick)
        finally:
            connections.close_all()


class ResilientDatabaseWorker(DatabaseWorker):
    """django-tasks-db's worker, made to survive database errors and to run the photo upkeep."""

    def __init__(self, *, upkeep: PhotoUpkeep | None = None, **kwargs):
        super().__init__(**kwargs)
        self.upkeep = upkeep
        self.backoff = Backoff(initial=0.5, maximum=30.0)

    def run(self) -> None:
        logger.info("Starting worker %s on queues %s", self.worker_id, ",".join(self.queue_names))
        while self.running:
            try:
                done = self.tick()
            except CONNECTION_ERRORS as exc:
                pause = self.backoff.next()
                logger.warning("Worker lost the database (%s); reconnecting in %.1f s", exc, pause)
                _drop_broken_connections()
                time.sleep(pause)
                continue
            self.backoff.reset()
            if done:
                return

    def tick(self) -> bool:
        """Run the upkeep if due and at most one task; True when a batch worker should stop."""
        close_broken_connections()  # kept open between tasks; replaced once it is broken
        if self.upkeep is not None:
            self.upkeep.run_due()
        tasks = DBTaskResult.objects.ready().filter(
            backend_name=self.backend_name, queue_name__in=self.queue_names
        )
        task_result = None
        with exclusive_transaction(tasks.db):
            try:
                task_result = tasks.get_locked()
                if task_result is not None:
                    task_result.claim(self.worker_id)  # so no other worker runs it
            except OperationalError as exc:
                if not is_locked_database_exception(exc):
                    raise
                return False  # SQLite is busy: try again after the pause
        if task_result is not None:
            self.run_task(task_result)
        elif self.batch:
            logger.info("No more tasks for worker %s; stopping.", self.worker_id)
            return True
        if self.max_tasks is not None and self._run_tasks >= self.max_tasks:
            return True
        if self.running and task_result is None:
            time.sleep(self.interval)
        return False


def run_database_worker(*, queues: list[str], burst: bool, interval: float = 0.5) -> None:
    """Run the database-backend worker in this process until stopped (or, with ``burst``, idle)."""
    from django.utils.crypto import get_random_string

    worker = ResilientDatabaseWorker(
        queue_names=queues,
        interval=interval,
        batch=burst,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=get_random_string(32),
        excluded_queue_names=[],
        upkeep=PhotoUpkeep(),
    )
    processing_warm_up()
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    if threading.current_thread() is threading.main_thread():
        worker.configure_signals()
    try:
        worker.run()
    finally:
        if threading.current_thread() is threading.main_thread():
            for sig, handler in previous.items():
                signal.signal(sig, handler)
