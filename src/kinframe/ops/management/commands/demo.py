from django.conf import settings
from django.core.management.base import BaseCommand

from kinframe.ops.demo import load_demo


class Command(BaseCommand):
    help = (
        "Load the demo agency, facilities, people, staff, sender and operator, and two months "
        "of photos (idempotent)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-history",
            action="store_true",
            help="Skip the two months of demo photos behind the reports",
        )

    def handle(self, *args, no_history: bool, **options):
        logins = load_demo(history=not no_history)
        self.stdout.write(self.style.SUCCESS("Demo data ready. Sign in at " + settings.SITE_URL))
        for login in logins:
            self.stdout.write(
                f"  {login.role:<22} {login.where:<34} {login.login:<24} {login.secret}"
            )
        self.stdout.write(
            f"  Kiosk: {settings.SITE_URL}/kiosk/   Staff console: {settings.SITE_URL}/console/   "
            f"Admin: {settings.SITE_URL}/admin/"
        )
