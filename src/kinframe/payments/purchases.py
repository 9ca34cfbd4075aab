"""Buying credits: open a purchase within the limits, open the provider's checkout, and record
what the provider reports (paid or failed).

Credits come only from ``purchase_confirm``, which the webhook path calls on a verified ``PAID``
outcome; the reference ``purchase:<id>`` makes a replayed or duplicate event grant them once.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from kinframe.audit.actors import Actor
from kinframe.audit.services import audit_log
from kinframe.credits.models import LedgerEntry
from kinframe.credits.services import ledger_post, wallet_lock

from .errors import PurchaseError
from .limits import PurchaseLimits
from .locks import purchase_lock
from .models import PaymentEvent, Purchase
from .outcomes import provider_actor
from .providers import ProviderError, get_provider
from .selectors import credits_bought_recently
from .tasks import send_receipt

logger = logging.getLogger(__name__)


@transaction.atomic
def purchase_create(*, actor: Actor, credits: int, provider: str | None = None) -> Purchase:
    """``actor`` (a sender) opens a purchase of ``credits`` (= cents) within the limits."""
    user = actor.user
    if user is None:
        raise PurchaseError(gettext("Sign in to buy credits."))
    limits = PurchaseLimits.current()
    problem = limits.amount_problem(credits)
    if problem:
        raise PurchaseError(problem)
    wallet_lock(user)  # two tabs buying at once cannot both slip under the daily limit
    recent = credits_bought_recently(user=user)
    if recent + credits > limits.daily:
        unpaid = recent - credits_bought_recently(user=user, include_open=False)
        raise PurchaseError(
            limits.daily_problem(credits=credits, recent=recent, unpaid=unpaid) or ""
        )
    purchase = Purchase.objects.create(
        user=user,
        credits=credits,
        amount_cents=credits,
        provider=provider or settings.PAYMENT_PROVIDER,
    )
    audit_log(
        "purchase.created",
        actor=actor,
        target=purchase,
        data={"credits": credits, "provider": purchase.provider},
    )
    return purchase


def purchase_checkout(
    *, actor: Actor, purchase: Purchase, success_url: str, cancel_url: str
) -> str:
    """Open the provider's card page for ``purchase`` and return its address.

    ``success_url``/``cancel_url`` are where the card page sends the sender back to; arriving there
    proves nothing (credits come only from the signed webhook).

    Runs outside a transaction: Stripe is a network call, and no lock should wait on it.
    Raises ``PurchaseError`` (and marks the purchase failed) if the provider cannot be reached.
    """
    provider = get_provider(purchase.provider)
    try:
        start = provider.start_checkout(
            purchase=purchase, success_url=success_url, cancel_url=cancel_url
        )
    except ProviderError as exc:
        purchase_fail(actor=provider_actor(purchase.provider), purchase=purchase, message=str(exc))
        raise PurchaseError(str(exc)) from exc
    _purchase_checkout_started(
        actor=actor,
        purchase=purchase,
        session_id=start.session_id,
        payment=start.payment_reference,
        success_url=success_url,
        cancel_url=cancel_url,
    )
    purchase.refresh_from_db()
    return start.url


@transaction.atomic
def _purchase_checkout_started(
    *,
    actor: Actor,
    purchase: Purchase,
    session_id: str,
    payment: str,
    success_url: str,
    cancel_url: str,
) -> None:
    locked = purchase_lock(purchase)
    locked.provider_reference = session_id
    locked.success_url = success_url[:500]
    locked.cancel_url = cancel_url[:500]
    if payment:
        locked.payment_reference = payment
    locked.save(
        update_fields=["provider_reference", "payment_reference", "success_url", "cancel_url"]
    )
    audit_log(
        "purchase.checkout_started",
        actor=actor,
        target=locked,
        data={"provider": locked.provider, "session": session_id},
    )


@transaction.atomic
def purchase_confirm(
    *,
    actor: Actor,
    purchase: Purchase | int,
    card_brand: str = "",
    card_last4: str = "",
    payment_reference: str = "",
    event: PaymentEvent | None = None,
) -> Purchase:
    """The provider says the card was charged: grant the credits, once, and email a receipt.

    A FAILED purchase can still be confirmed: the card page stays open after a decline and the
    sender may pay with another card. That cannot break the daily limit, because a failed purchase
    whose checkout can still be paid counts against the limit like an unpaid one
    (``selectors.open_checkouts_q``), so ``purchase_create`` refuses purchases that would need its
    share. If the limit is exceeded anyway (a payment made in time whose webhook arrived after the
    checkout stopped counting, or a limit lowered since), the credits are still granted: the card
    has been charged, and keeping the money without the credits would be worse. It is logged and
    audited (``purchase.over_daily_limit``) so an operator can look at it and refund if needed.
    """
    purchase = purchase_lock(purchase)
    if purchase.status not in (Purchase.Status.CREATED, Purchase.Status.FAILED):
        return purchase  # already paid (a replayed or duplicate event): nothing more to do
    purchase.status = Purchase.Status.PAID
    purchase.paid_at = timezone.now()
    purchase.card_brand = (card_brand or "")[:20]
    purchase.card_last4 = (card_last4 or "")[-4:]
    purchase.failure_message = ""
    if payment_reference:
        purchase.payment_reference = payment_reference
    purchase.save(
        update_fields=[
            "status",
            "paid_at",
            "card_brand",
            "card_last4",
            "failure_message",
            "payment_reference",
        ]
    )
    ledger_post(
        user=purchase.user,
        kind=LedgerEntry.Kind.PURCHASE,
        amount=purchase.credits,
        reference=f"purchase:{purchase.pk}",
        purchase=purchase,
        memo=purchase.card_label,
        actor=actor,
    )
    audit_log(
        "purchase.paid",
        actor=actor,
        target=purchase,
        data={
            "credits": purchase.credits,
            "card": purchase.card_label,
            "event": event.event_id if event else "",
        },
    )
    daily = PurchaseLimits.current().daily
    paid_recently = credits_bought_recently(user=purchase.user, include_open=False)
    if paid_recently > daily:
        logger.warning(
            "Purchase %s took user %s to %s credits paid in 24 hours (limit %s)",
            purchase.pk,
            purchase.user_id,
            paid_recently,
            daily,
        )
        audit_log(
            "purchase.over_daily_limit",
            actor=actor,
            target=purchase,
            data={"paid_in_24h": paid_recently, "limit": daily},
        )
    purchase_id = purchase.pk
    transaction.on_commit(lambda: send_receipt.enqueue(purchase_id))
    return purchase


@transaction.atomic
def purchase_fail(
    *,
    actor: Actor,
    purchase: Purchase | int,
    message: str,
    event: PaymentEvent | None = None,
) -> Purchase:
    """The card was refused (or the checkout expired). A paid purchase is never un-paid by this."""
    purchase = purchase_lock(purchase)
    if purchase.status not in (Purchase.Status.CREATED, Purchase.Status.FAILED):
        return purchase  # an old failure arriving after the payment went through
    purchase.status = Purchase.Status.FAILED
    purchase.failure_message = message[:200]
    purchase.save(update_fields=["status", "failure_message"])
    audit_log(
        "purchase.failed",
        actor=actor,
        target=purchase,
        data={"message": purchase.failure_message, "event": event.event_id if event else ""},
    )
    return purchase
