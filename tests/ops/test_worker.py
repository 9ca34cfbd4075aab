"""The task worker outlives a dropped database connection, runs the reaper while it runs, and
`kinframe serve` starts it again when it exits (issue 9, finding 2)."""

import sys
import time
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import InterfaceError, OperationalError
from django.test import override_settings
from django_tasks_db.models import DBTaskResultQuerySet

from kinframe.ops.supervisor import Supervised
from kinframe.ops.task_worker import PhotoUpkeep
from kinframe.photos.models import Photo
from kinframe.photos.services import photo_send
from tests.actors import as_sender
from tests.factories import give_credits
from tests.photos.photo_helpers import jpeg_upload

DATABASE_TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default", "photos", "email"],
    }
}


@pytest.mark.django_db(transaction=True)
def test_the_worker_reconnects_after_the_database_drops_it(connection_):
    """Before, the first connection error ended `kinframe worker` and every photo waited."""
    give_credits(connection_.sender, 500)
    real = DBTaskResultQuerySet.get_locked
    drops = [
        OperationalError("terminating connection due to administrator command"),
        InterfaceError("connection already closed"),
    ]

    def flaky(self):
        if drops:
            raise drops.pop(0)
        return real(self)

    with (
        override_settings(TASK_BACKEND="database", TASKS=DATABASE_TASKS),
        mock.patch.object(DBTaskResultQuerySet, "get_locked", flaky),
        mock.patch("kinframe.ops.task_worker.time.sleep") as sleep,
    ):
        photo = photo_send(
            actor=as_sender(connection_.sender), connection=connection_, upload=jpeg_upload()
        )
        call_command("worker", burst=True)

    assert drops == []
    assert [pause.args[0] for pause in sleep.call_args_list[:2]] == [0.5, 1.0]  # backing off
    photo.refresh_from_db()
    assert photo.status == Photo.Status.PENDING_REVIEW


def test_the_worker_runs_the_reaper_every_interval_and_the_sweeper_hourly(settings):
    settings.PHOTO_REAPER_INTERVAL_SECONDS = 15
    settings.PHOTO_ORPHAN_SWEEP_SECONDS = 3600
    now = [1000.0]
    with (
        mock.patch("kinframe.ops.task_worker.photos_requeue_stuck", return_value=0) as reap,
        mock.patch("kinframe.ops.task_worker.photo_files_sweep_orphans", return_value=0) as sweep,
    ):
        upkeep = PhotoUpkeep(clock=lambda: now[0])
        for _ in range(3600):  # an hour of one-second ticks
            upkeep.run_due()
            now[0] += 1
    assert reap.call_count == 240
    assert sweep.call_count == 1


def test_the_upkeep_survives_a_database_error(settings):
    now = [0.0]
    with (
        mock.patch(
            "kinframe.ops.task_worker.photos_requeue_stuck",
            side_effect=[OperationalError("gone"), 3],
        ) as reap,
        mock.patch("kinframe.ops.task_worker.photo_files_sweep_orphans", return_value=0),
    ):
        upkeep = PhotoUpkeep(clock=lambda: now[0])
        upkeep.run_due()
        now[0] += settings.PHOTO_REAPER_INTERVAL_SECONDS
        upkeep.run_due()
    assert reap.call_count == 2


def test_serve_starts_the_worker_again_when_it_exits(tmp_path):
    """A worker that exits (as it did on every dropped connection) is started again, pausing more
    each time it dies at once."""
    starts = tmp_path / "starts"
    command = [
        sys.executable,
        "-c",
        f"open({str(starts)!r}, 'a').write('x'); raise SystemExit(3)",
    ]
    worker = Supervised("task worker", command, first_pause=0.05, max_pause=0.2).start()
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and (not starts.exists() or len(starts.read_text()) < 3):
            time.sleep(0.05)
    finally:
        worker.stop()
    assert len(starts.read_text()) >= 3
    assert worker.restarts >= 2
    assert worker.backoff.failures >= 2


def test_serve_stops_a_healthy_worker_when_it_stops(tmp_path):
    worker = Supervised(
        "task worker", [sys.executable, "-c", "import time; time.sleep(60)"], first_pause=0.05
    ).start()
    deadline = time.monotonic() + 10
    while worker.process is None and time.monotonic() < deadline:
        time.sleep(0.02)
    worker.stop(timeout=5)
    assert worker.process is not None
    assert worker.process.returncode is not None
    assert worker.restarts == 0
