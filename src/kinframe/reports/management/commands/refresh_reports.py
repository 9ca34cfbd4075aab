from datetime import date

from django.core.management.base import BaseCommand, CommandError

from kinframe.facilities.models import Facility
from kinframe.reports.services import reports_refresh


class Command(BaseCommand):
    help = (
        "Recompute the daily report figures from the photos and the audit trail. Nightly it "
        "refreshes the last few days; --all rebuilds everything, --since a range."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=3, help="Days back to refresh (default 3)")
        parser.add_argument("--since", help="Refresh from this date (YYYY-MM-DD) to today")
        parser.add_argument("--all", action="store_true", help="Refresh from each first photo")
        parser.add_argument("--facility", help="Only this facility's code")

    def handle(self, *args, days: int, since: str | None, all: bool, facility: str | None, **kw):
        facilities = Facility.objects.all()
        if facility:
            facilities = facilities.filter(code=facility)
            if not facilities.exists():
                raise CommandError(f"No facility with code {facility!r}.")
        start = None
        if since:
            try:
                start = date.fromisoformat(since)
            except ValueError:
                raise CommandError("--since takes a date like 2026-01-31.") from None
        if days < 1:
            raise CommandError("--days must be at least 1.")
        written = reports_refresh(
            facilities=facilities, days=None if (all or start) else days, since=start
        )
        for code, rows in written.items():
            self.stdout.write(f"{code}: {rows} day(s) of figures")
