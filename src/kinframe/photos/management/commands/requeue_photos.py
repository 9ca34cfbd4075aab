from django.core.management.base import BaseCommand

from kinframe.photos.services import photos_requeue_stuck


class Command(BaseCommand):
    help = (
        "Queue again every photo whose worker stopped, whose retry is due, or whose task was lost. "
        "Safe to run at any time; every `kinframe worker` runs it every "
        "PHOTO_REAPER_INTERVAL_SECONDS."
    )

    def handle(self, *args, **options):
        count = photos_requeue_stuck()
        self.stdout.write(f"Queued {count} photo(s) again.")
