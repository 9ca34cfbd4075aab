from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from kinframe.ops.heartbeat import HeartbeatThread
from kinframe.photos.services import photos_requeue_stuck

# django-tasks-rq wraps each RQ job in its own Job class; a worker must load jobs with it.
RQ_JOB_CLASS = "django_tasks_rq.backend.Job"


class Command(BaseCommand):
    help = "Run a background task worker for the configured TASK_BACKEND (database or rq)."

    def add_arguments(self, parser):
        parser.add_argument("--burst", action="store_true", help="Stop when the queues are empty.")
        parser.add_argument(
            "--worker-class",
            default="",
            help="RQ only: another worker class, e.g. rq.SimpleWorker.",
        )

    def handle(self, *args, burst: bool, worker_class: str, **options):
        # A worker that died mid-photo left it `received`: hand such photos to the queue again.
        requeued = photos_requeue_stuck()
        if requeued:
            self.stdout.write(f"Re-queued {requeued} photo(s) left unfinished by a stopped worker.")
        if settings.TASK_BACKEND not in ("database", "rq"):
            raise CommandError(
                f"TASK_BACKEND={settings.TASK_BACKEND} runs tasks in-process; no worker."
            )
        heartbeat = HeartbeatThread()  # `/readyz` reports the queue unserved when beats stop
        heartbeat.start()
        try:
            self._run(burst=burst, worker_class=worker_class)
        finally:
            heartbeat.stop()

    def _run(self, *, burst: bool, worker_class: str) -> None:
        queues = settings.TASKS["default"]["QUEUES"]
        if settings.TASK_BACKEND == "database":
            call_command("db_worker", queue_name=",".join(queues), interval=0.5, batch=burst)
        elif settings.TASK_BACKEND == "rq":
            from django_rq.management.commands.rqworker import Command as RQWorkerCommand

            extra = {"worker_class": worker_class} if worker_class else {}
            call_command(
                RQWorkerCommand(), *queues, job_class=RQ_JOB_CLASS, with_scheduler=not burst, burst=burst,
                **extra,
            )  # fmt: skip
