from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from kinframe.ops.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restore a backup made by `kinframe backup`: replaces the database and writes back every "
        "photo file. Stop the web and worker processes first."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="the archive `kinframe backup` wrote")
        parser.add_argument(
            "--noinput", "--no-input", action="store_false", dest="interactive",
            help="Do not ask for confirmation.",
        )  # fmt: skip

    def handle(self, *args, path: str, interactive: bool, **options):
        archive = Path(path)
        if not archive.is_file():
            raise CommandError(f"No backup at {archive}.")
        if interactive:
            answer = input(
                "This replaces the whole database and rewrites the photo files. Type 'yes' to go on: "
            )
            if answer.strip().lower() != "yes":
                raise CommandError("Restore cancelled.")
        try:
            report = backup_restore(path=archive)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Restored the {report.database} database and {report.files} file(s) from the backup "
            f"of {report.created_at}. Run `kinframe migrate` if this version is newer."
        )
