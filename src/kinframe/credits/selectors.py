"""Reads of wallets and the ledger."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Subquery, Sum

from .models import LedgerEntry, Wallet


def balance_of(user) -> int:
    wallet = Wallet.objects.filter(user=user).only("balance").first()
    return wallet.balance if wallet else 0


def statement(*, user):
    """A sender's ledger entries, newest first, with what each one was for.

    The wallet is picked by a subquery rather than a join, so PostgreSQL reads the entries in
    order from the ``(wallet, created_at, id)`` index and stops at the page's end; joined to the
    wallet, it would fetch and sort every entry the sender ever had first.
    """
    wallet = Wallet.objects.filter(user=user).values("id")[:1]
    return (
        LedgerEntry.objects.filter(wallet_id=Subquery(wallet))
        .select_related("photo__inmate", "purchase")
        .order_by("-created_at", "-id")
    )


@dataclass(frozen=True)
class LedgerProblem:
    wallet_id: int
    user: str
    message: str


def ledger_problems() -> list[LedgerProblem]:
    """Every wallet whose balance differs from the sum of its entries, and every repeated reference."""
    problems: list[LedgerProblem] = []
    sums = dict(
        LedgerEntry.objects.values_list("wallet_id").annotate(total=Sum("amount")).order_by()
    )
    for wallet in Wallet.objects.select_related("user").order_by("pk"):
        total = sums.get(wallet.pk, 0)
        if total != wallet.balance:
            problems.append(
                LedgerProblem(
                    wallet.pk,
                    wallet.user.get_username(),
                    f"balance {wallet.balance} but entries sum to {total}",
                )
            )
    repeated = (
        LedgerEntry.objects.values("reference")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .values_list("reference", "wallet_id", "wallet__user__username")
    )
    for reference, wallet_id, username in repeated:
        problems.append(LedgerProblem(wallet_id, username, f"reference {reference!r} repeats"))
    return problems
