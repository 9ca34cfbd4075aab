from django.core.management.base import BaseCommand

from kinframe.photos.retention import photos_purge_expired


class Command(BaseCommand):
    help = (
        "Delete the files of delivered photos older than their facility's retention period "
        "(photos under legal hold are kept). Run it daily."
    )

    def handle(self, *args, **options):
        purged = photos_purge_expired()
        self.stdout.write(f"Deleted the files of {purged} photo(s) past their retention period.")
