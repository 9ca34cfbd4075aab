from django.core.management.base import BaseCommand, CommandError

from kinframe.credits.selectors import ledger_problems


class Command(BaseCommand):
    help = (
        "Prove the books balance: every wallet equals the sum of its entries, no reference repeats."
    )

    def handle(self, *args, **options):
        problems = ledger_problems()
        for problem in problems:
            self.stderr.write(f"wallet {problem.wallet_id} ({problem.user}): {problem.message}")
        if problems:
            raise CommandError(f"{len(problems)} ledger problem(s) found.")
        self.stdout.write(
            self.style.SUCCESS("Ledger OK: every balance equals the sum of its entries.")
        )
