import threading

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from kinframe.ops.heartbeat import HeartbeatThread
from kinframe.ops.task_worker import PhotoUpkeep, run_database_worker
from kinframe.photos.processing import processing_warm_up

# django-tasks-rq wraps each RQ job in its own Job class; a worker must load jobs with it.
RQ_JOB_CLASS = "django_tasks_rq.backend.Job"
# RQ's default worker forks a child per job: 98 ms per photo around a 31 ms process_image, for
# no isolation that a photo needs (HEIC, the risky decoder, already runs in its own child).
# SimpleWorker runs jobs in the worker process; see bench/workers.py and docs/architecture.md.
RQ_WORKER_CLASS = "rq.worker.SimpleWorker"


class Command(BaseCommand):
    help = (
        "Run a background task worker for the configured TASK_BACKEND (database or rq). It "
        "reconnects after a dropped database connection, re-queues photos whose worker died, "
        "and removes orphaned photo files."
    )

    def add_arguments(self, parser):
        parser.add_argument("--burst", action="store_true", help="Stop when the queues are empty.")
        parser.add_argument(
            "--interval",
            type=float,
            default=0.5,
            help="Database only: seconds between looks at an empty queue (default: %(default)s).",
        )
        parser.add_argument(
            "--worker-class",
            default=RQ_WORKER_CLASS,
            help="RQ only: the worker class (default: %(default)s, no fork per job).",
        )

    def handle(self, *args, burst: bool, interval: float, worker_class: str, **options):
        if settings.TASK_BACKEND not in ("database", "rq"):
            raise CommandError(
                f"TASK_BACKEND={settings.TASK_BACKEND} runs tasks in-process; no worker."
            )
        queues = list(settings.TASKS["default"]["QUEUES"])
        heartbeat = HeartbeatThread()  # `/readyz` reports the queue unserved when beats stop
        heartbeat.start()
        try:
            if settings.TASK_BACKEND == "database":
                run_database_worker(queues=queues, burst=burst, interval=interval)
            else:
                self._run_rq(queues, burst=burst, worker_class=worker_class)
        finally:
            heartbeat.stop()

    def _run_rq(self, queues: list[str], *, burst: bool, worker_class: str) -> None:
        from django_rq.management.commands.rqworker import Command as RQWorkerCommand

        processing_warm_up()
        upkeep = PhotoUpkeep()
        stop = threading.Event()
        if burst:
            upkeep.run_due()  # once, before the queues are emptied
        else:
            threading.Thread(
                target=upkeep.run_forever, args=(stop,), name="photo-upkeep", daemon=True
            ).start()
        try:
            call_command(
                RQWorkerCommand(), *queues, job_class=RQ_JOB_CLASS, with_scheduler=not burst,
                burst=burst, worker_class=worker_class,
            )  # fmt: skip
        finally:
            stop.set()
