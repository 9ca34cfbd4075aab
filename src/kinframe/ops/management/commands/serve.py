import os
import signal
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from kinframe.ops.supervisor import Supervised


class Command(BaseCommand):
    help = (
        "Serve Kinframe with gunicorn and, for the database task backend, one task worker, "
        "which is started again whenever it exits."
    )

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=os.environ.get("BIND", "127.0.0.1:8000"))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_WORKERS", "1")))
        parser.add_argument("--no-worker", action="store_true", help="Do not start a task worker.")

    def handle(self, *args, bind, workers, no_worker, **options):
        multiproc_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
        if multiproc_dir:  # counters of a previous run must not be added to this one's
            Path(multiproc_dir).mkdir(parents=True, exist_ok=True)
            for stale in Path(multiproc_dir).glob("*.db"):
                stale.unlink()
        worker = None
        if settings.TASK_BACKEND == "database" and not no_worker:
            worker = Supervised("task worker", [sys.executable, "-m", "kinframe.cli", "worker"])
            worker.start()
        gunicorn = [
            sys.executable, "-m", "gunicorn", "kinframe.wsgi:application",
            "--bind", bind, "--workers", str(workers), "--threads", "4", "--timeout", "60",
            # Access lines come from RequestTelemetryMiddleware, with the request id and view.
            "--config", "python:kinframe.ops.gunicorn_config",
        ]  # fmt: skip
        web = subprocess.Popen(gunicorn)  # noqa: S603
        try:
            web.wait()
        except KeyboardInterrupt:
            pass
        finally:
            if worker is not None:
                worker.stop()
            if web.poll() is None:
                web.send_signal(signal.SIGTERM)
                web.wait(timeout=10)
