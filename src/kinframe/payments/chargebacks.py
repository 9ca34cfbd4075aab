"""Chargebacks: the card holder disputed a payment and the card network took the money back.

The reversal's ledger reference is ``chargeback:<id>``, so a dispute reported twice (two events,
or a replay) takes the credits once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext

from kinframe.audit.actors import Actor
from kinframe.audit.services import audit_log
from kinframe.credits.models import LedgerEntry
from kinframe.credits.services import ledger_post

from .errors import RefundError, WebhookRejected, WebhookRetryLater
from .locks import purchase_lock
from .models import PaymentEvent, Purchase

if TYPE_CHECKING:
    from .webhooks import WebhookResult


@transaction.atomic
def purchase_chargeback(
    *,
    actor: Actor,
    purchase: Purchase | int,
    credits: int | None = None,
    dispute_id: str = "",
    event: PaymentEvent | None = None,
) -> Purchase:
    """The card holder disputed the payment and the network took the money back.

    Takes the purchase's credits (those not already refunded) out of the wallet, even when that
    leaves it below zero: the account then owes credits and cannot send until a purchase settles it.
    """
    purchase = purchase_lock(purchase)
    if purchase.charged_back_credits or purchase.status == Purchase.Status.CHARGED_BACK:
        return purchase  # one reversal per chargeback
    if purchase.status not in (Purchase.Status.PAID, Purchase.Status.REFUNDED):
        raise RefundError(
            gettext("Purchase #%(number)s was never paid, so it cannot be charged back.")
            % {"number": purchase.pk}
        )
    remaining = purchase.remaining_credits
    amount = remaining if credits is None else min(credits, remaining)
    if amount > 0:
        ledger_post(
            user=purchase.user,
            kind=LedgerEntry.Kind.CHARGEBACK,
            amount=-amount,
            reference=f"chargeback:{purchase.pk}",
            purchase=purchase,
            memo=f"Disputed payment on {purchase.card_label}",
            allow_debt=True,
            actor=actor,
        )
    purchase.charged_back_credits = amount
    purchase.status = Purchase.Status.CHARGED_BACK
    purchase.save(update_fields=["charged_back_credits", "status"])
    audit_log(
        "purchase.charged_back",
        actor=actor,
        target=purchase,
        data={"credits": amount, "dispute": dispute_id, "event": event.event_id if event else ""},
    )
    return purchase


def sandbox_simulate_chargeback(*, actor: Actor, purchase: Purchase) -> WebhookResult:
    """An operator (or a test) has the sandbox processor report a dispute of ``purchase``,
    through the real webhook path; the dispute itself is then the processor's act."""
    from .providers import sandbox

    if purchase.provider != "sandbox":
        raise RefundError("Only sandbox purchases can have a simulated chargeback.")
    try:
        result = sandbox.deliver(sandbox.dispute_event(purchase))
    except (WebhookRetryLater, WebhookRejected) as exc:
        raise RefundError(f"Purchase #{purchase.pk} cannot be charged back now: {exc}") from exc
    audit_log("purchase.chargeback_simulated", actor=actor, target=purchase)
    return result
