from django.core.management.base import BaseCommand

from kinframe.photos.files import photo_files_sweep_orphans


class Command(BaseCommand):
    help = (
        "Delete stored photo files older than an hour that no photo names (left by a crash "
        "mid-send or mid-processing). Every `kinframe worker` runs it every "
        "PHOTO_ORPHAN_SWEEP_SECONDS."
    )

    def handle(self, *args, **options):
        count = photo_files_sweep_orphans()
        self.stdout.write(f"Removed {count} file(s) that no photo names.")
