import logging
from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from kinframe.payments.providers import ProviderError
from kinframe.payments.reconcile import payment_differences

logger = logging.getLogger("kinframe.payments.reconcile")


class Command(BaseCommand):
    help = (
        "Compare paid purchases with the payment provider's records (run it daily); "
        "exits non-zero when they differ."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--since", type=int, default=2, metavar="DAYS", help="checkouts of the last DAYS days"
        )
        parser.add_argument(
            "--provider",
            default=None,
            choices=["sandbox", "stripe"],
            help="the provider to compare with (default: PAYMENT_PROVIDER)",
        )

    def handle(self, *args, since: int, provider: str | None, **options):
        if since < 1:
            raise CommandError("--since must be at least 1 day.")
        provider = provider or settings.PAYMENT_PROVIDER
        try:
            differences = payment_differences(
                provider=provider, since=timezone.now() - timedelta(days=since)
            )
        except ProviderError as exc:
            raise CommandError(str(exc)) from exc
        for difference in differences:
            logger.error("Payments differ: %s", difference)
            self.stdout.write(str(difference))
        if differences:
            raise CommandError(
                f"{len(differences)} difference(s) between Kinframe and {provider} "
                f"in the last {since} day(s)."
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Payments OK: every purchase paid in the last {since} day(s) matches {provider}."
            )
        )
