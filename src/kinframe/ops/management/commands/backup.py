from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from kinframe.ops.backup import BackupError, backup_create


class Command(BaseCommand):
    help = (
        "Back up the database and every photo file into one tar archive (PATH, or a new file in "
        "the folder PATH). Name it .tar.gz to compress. Safe while Kinframe runs."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="archive file, or an existing folder to write one in")

    def handle(self, *args, path: str, **options):
        target = Path(path)
        if target.is_dir():
            target = target / f"kinframe-{timezone.now():%Y%m%d-%H%M%S}.tar"
        if target.exists():
            raise CommandError(f"{target} exists; a backup never overwrites another.")
        try:
            report = backup_create(path=target)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Backed up the {report.database} database and {report.files} file(s) "
            f"({report.bytes} bytes) to {report.path}"
        )
        if report.missing:
            self.stderr.write(
                f"Warning: {len(report.missing)} file(s) the database names were not in the "
                f"storage, e.g. {report.missing[0]}"
            )
