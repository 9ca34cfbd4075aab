"""Liveness and readiness: what a load balancer or orchestrator asks before sending traffic.

`/healthz` says the process answers (no database: a slow database must not get web processes
restarted). `/readyz` checks what serving needs: the database, the photo storage, the task queue
and, for a queue served by `kinframe worker`, a worker heartbeat younger than
`WORKER_HEARTBEAT_STALE_SECONDS`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connection
from django.utils import timezone

from .heartbeat import latest_heartbeat

# A key that is never written: asking whether it exists proves the storage answers (a HEAD on S3).
STORAGE_PROBE_KEY = "kinframe-readiness-probe"


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str = ""


def check_database() -> Check:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return Check("database", True, connection.vendor)


def check_storage() -> Check:
    default_storage.exists(STORAGE_PROBE_KEY)
    return Check("storage", True, settings.STORAGE_BACKEND)


def check_task_queue() -> Check:
    if settings.TASK_BACKEND == "database":
        from django_tasks_db.models import DBTaskResult

        DBTaskResult.objects.exists()
    elif settings.TASK_BACKEND == "rq":
        import django_rq

        django_rq.get_connection("default").ping()
    return Check("task_queue", True, settings.TASK_BACKEND)


def check_worker() -> Check:
    if settings.TASK_BACKEND == "immediate":
        return Check("worker", True, "tasks run in the web process")
    beat = latest_heartbeat()
    if beat is None:
        return Check("worker", False, "no task worker has reported")
    age = timezone.now() - beat.seen_at
    stale = timedelta(seconds=settings.WORKER_HEARTBEAT_STALE_SECONDS)
    seconds = int(age.total_seconds())
    if age > stale:
        return Check("worker", False, f"last heartbeat {seconds} s ago ({beat.worker_id})")
    return Check("worker", True, f"last heartbeat {seconds} s ago")


READINESS_CHECKS: list[Callable[[], Check]] = [
    check_database,
    check_storage,
    check_task_queue,
    check_worker,
]


def readiness() -> list[Check]:
    """Run every check; one that raises is reported as failed with the error's type, not its text
    (which may carry a host name or credentials)."""
    results = []
    for check in READINESS_CHECKS:
        name = check.__name__.removeprefix("check_")
        try:
            results.append(check())
        except Exception as exc:
            results.append(Check(name, False, type(exc).__name__))
    return results
