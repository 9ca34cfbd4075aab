"""Reconciliation: the purchases Kinframe counts as paid against the provider's own records.

A webhook can be lost, forged with a leaked secret, or acted on wrongly; the provider's records are
the other half of the books. ``kinframe reconcile_payments`` runs this daily and fails when they
disagree. A read: it changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from .models import Purchase
from .providers import get_provider

PAID_STATES = [Purchase.Status.PAID, Purchase.Status.REFUNDED, Purchase.Status.CHARGED_BACK]
# A provider's record of a checkout may be stamped a little before Kinframe's purchase row.
CLOCK_SLACK = timedelta(hours=1)


@dataclass(frozen=True)
class PaymentDifference:
    kind: str  # paid_here_only | paid_there_only | amount_mismatch
    provider: str
    session_id: str
    purchase_id: int | None
    detail: str

    def __str__(self) -> str:
        purchase = f"purchase #{self.purchase_id}" if self.purchase_id else "no purchase"
        return f"{self.kind}: {self.provider} {self.session_id or '-'} ({purchase}): {self.detail}"


def payment_differences(*, provider: str, since: datetime) -> list[PaymentDifference]:
    """Paid here but not there, paid there but not here, and amounts that differ, for checkouts
    opened since ``since``. Raises ``ProviderError`` if the provider's records cannot be read."""
    records = get_provider(provider).paid_records(since=since - CLOCK_SLACK)
    there = {record.session_id: record for record in records}
    paid_here = list(
        Purchase.objects.filter(provider=provider, status__in=PAID_STATES, created_at__gte=since)
    )
    differences = []
    for purchase in paid_here:
        record = there.get(purchase.provider_reference)
        if record is None:
            differences.append(
                PaymentDifference(
                    "paid_here_only",
                    provider,
                    purchase.provider_reference,
                    purchase.pk,
                    f"{purchase.credits:,} credits granted; the provider has no payment for it",
                )
            )
        elif (record.amount, record.currency) != (purchase.amount_cents, purchase.currency):
            differences.append(
                PaymentDifference(
                    "amount_mismatch",
                    provider,
                    purchase.provider_reference,
                    purchase.pk,
                    f"paid {record.amount} {record.currency} there, "
                    f"{purchase.amount_cents} {purchase.currency} here",
                )
            )
    known = {purchase.provider_reference for purchase in paid_here}
    unmatched = [r for r in records if r.session_id not in known and r.created >= since]
    # A paid checkout opened just before ``since`` is counted here but not above; look it up.
    paid_elsewhere = set(
        Purchase.objects.filter(
            provider=provider,
            status__in=PAID_STATES,
            provider_reference__in=[r.session_id for r in unmatched],
        ).values_list("provider_reference", flat=True)
    )
    for record in unmatched:
        if record.session_id in paid_elsewhere:
            continue
        differences.append(
            PaymentDifference(
                "paid_there_only",
                provider,
                record.session_id,
                record.purchase_id,
                f"the provider took {record.amount} {record.currency}; no credits were granted",
            )
        )
    return differences
