from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Run a background task worker for the configured TASK_BACKEND (database or rq)."

    def handle(self, *args, **options):
        queues = settings.TASKS["default"]["QUEUES"]
        if settings.TASK_BACKEND == "database":
            call_command("db_worker", queue_name=",".join(queues), interval=0.5)
        elif settings.TASK_BACKEND == "rq":
            call_command("rqworker", *queues, with_scheduler=True)
        else:
            raise CommandError(
                f"TASK_BACKEND={settings.TASK_BACKEND} runs tasks in-process; no worker."
            )
