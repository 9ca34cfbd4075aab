from datetime import timedelta

from django.core.management.base import BaseCommand

from kinframe.photos.services import PROCESSING_TIMEOUT, photos_requeue_stuck


class Command(BaseCommand):
    help = (
        "Queue again every photo stuck in 'received' (its worker died mid-photo). "
        "Safe to run at any time; `kinframe worker` runs it when it starts."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--minutes",
            type=int,
            default=int(PROCESSING_TIMEOUT.total_seconds() // 60),
            help="Only photos received (and last claimed) more than this many minutes ago.",
        )

    def handle(self, *args, minutes: int, **options):
        count = photos_requeue_stuck(older_than=timedelta(minutes=minutes))
        self.stdout.write(f"Queued {count} photo(s) again.")
