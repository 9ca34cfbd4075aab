"""Buying credits by card, refunds and chargebacks, and the webhooks that drive them.

Every service locks the sender's wallet first and the purchase second (always in that order, so two
services can never wait on each other), re-checks the purchase's state, moves credits only through
``credits.services.ledger_post`` with a reference unique per cause, and writes an audit event:

- ``purchase:<id>``                    the credits a paid purchase grants (once)
- ``purchase_refund:<id>:<refunded>``  each refund, named by the purchase's refunded total after it
- ``chargeback:<id>``                  the one reversal a disputed payment causes

so a retried request, a replayed webhook or two workers racing can never pay twice. A refund's
provider idempotency key is ``kinframe-refund-<id>-after-<refunded total before it>``, so a refund
the provider made but the database lost is the same refund when retried (see ``_refund_locked``).
``purchase_refund_unspent`` refunds each purchase in its own transaction, never all in one.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import DatabaseError, IntegrityError, OperationalError, connection, transaction
from django.utils import timezone

from kinframe.audit.actors import Actor
from kinframe.audit.services import audit_log
from kinframe.credits.models import LedgerEntry
from kinframe.credits.selectors import balance_of
from kinframe.credits.services import ledger_post, wallet_lock

from .models import PaymentEvent, Purchase
from .providers import InvalidSignature, ProviderError, ProviderEvent, get_provider
from .selectors import credits_bought_recently, refundable_purchases

logger = logging.getLogger(__name__)

# How long a webhook waits for a locked wallet or purchase before answering 503 (PostgreSQL).
WEBHOOK_LOCK_TIMEOUT = "5s"


class PurchaseError(ValueError):
    """A purchase cannot be made as asked; the message is for the sender."""


class RefundError(ValueError):
    """A refund cannot be made as asked; the message is for the person asking."""


class RefundPartlyFailed(RefundError):
    """Some purchases were refunded (and stay refunded), others failed; the message says both."""

    def __init__(self, message: str, *, refunded: list[Purchase], failed: list[tuple[int, str]]):
        super().__init__(message)
        self.refunded = refunded
        self.failed = failed


class WebhookRejected(Exception):
    """Forged, stale or malformed: answer 400 and change nothing."""


class WebhookRetryLater(Exception):
    """A lock was busy, or the event arrived before the payment it is about: answer 503."""


def provider_actor(provider: str) -> Actor:
    """The card processor, acting through its webhooks."""
    return Actor.system(f"payments:{provider}")


def dollars(cents: int) -> str:
    return f"${cents // 100:,}.{cents % 100:02d}"


def _locked_purchase(purchase: Purchase | int) -> Purchase:
    pk = purchase.pk if isinstance(purchase, Purchase) else purchase
    user_id = Purchase.objects.values_list("user_id", flat=True).get(pk=pk)
    from django.contrib.auth import get_user_model

    wallet_lock(get_user_model()(pk=user_id))
    return Purchase.objects.select_for_update().select_related("user").get(pk=pk)


# --- Buying -------------------------------------------------------------------------------------------


@transaction.atomic
def purchase_create(
    *,
    actor: Actor,
    credits: int,
    provider: str | None = None,
) -> Purchase:
    """``actor`` (a sender) opens a purchase of ``credits`` (= cents) within the limits."""
    user = actor.user
    if user is None:
        raise PurchaseError("Sign in to buy credits.")
    if not isinstance(credits, int) or isinstance(credits, bool):
        raise PurchaseError("Enter a whole number of credits.")
    if credits < settings.CREDITS_MIN_PURCHASE:
        raise PurchaseError(
            f"The smallest purchase is {settings.CREDITS_MIN_PURCHASE:,} credits "
            f"({dollars(settings.CREDITS_MIN_PURCHASE)})."
        )
    if credits > settings.CREDITS_MAX_PURCHASE:
        raise PurchaseError(
            f"One purchase can be at most {settings.CREDITS_MAX_PURCHASE:,} credits "
            f"({dollars(settings.CREDITS_MAX_PURCHASE)})."
        )
    wallet_lock(user)  # two tabs buying at once cannot both slip under the daily limit
    recent = credits_bought_recently(user=user)
    if recent + credits > settings.CREDITS_DAILY_LIMIT:
        left = max(settings.CREDITS_DAILY_LIMIT - recent, 0)
        message = (
            f"You can buy at most {dollars(settings.CREDITS_DAILY_LIMIT)} of credits in 24 hours. "
            f"You can buy {left:,} more credits now"
            + (", or try again tomorrow." if left else "; try again tomorrow.")
        )
        unpaid = recent - credits_bought_recently(user=user, include_open=False)
        if unpaid:
            # A declined checkout counts too; say so, or the sender cannot see why.
            message += (
                f" This counts {unpaid:,} credits in a checkout you opened in the last half hour "
                "that can still be paid; once it closes unpaid, they no longer count."
            )
        raise PurchaseError(message)
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


def purchase_checkout(*, purchase: Purchase, success_url: str, cancel_url: str) -> str:
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
        purchase_fail(purchase=purchase, message=str(exc))
        raise PurchaseError(str(exc)) from exc
    _purchase_checkout_started(
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
    *, purchase: Purchase, session_id: str, payment: str, success_url: str, cancel_url: str
) -> None:
    locked = _locked_purchase(purchase)
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
        actor=Actor.sender(locked.user),
        target=locked,
        data={"provider": locked.provider, "session": session_id},
    )


@transaction.atomic
def purchase_confirm(
    *,
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
    purchase = _locked_purchase(purchase)
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
        actor=provider_actor(purchase.provider),
    )
    audit_log(
        "purchase.paid",
        actor=provider_actor(purchase.provider),
        target=purchase,
        data={
            "credits": purchase.credits,
            "card": purchase.card_label,
            "event": event.event_id if event else "",
        },
    )
    paid_recently = credits_bought_recently(user=purchase.user, include_open=False)
    if paid_recently > settings.CREDITS_DAILY_LIMIT:
        logger.warning(
            "Purchase %s took user %s to %s credits paid in 24 hours (limit %s)",
            purchase.pk,
            purchase.user_id,
            paid_recently,
            settings.CREDITS_DAILY_LIMIT,
        )
        audit_log(
            "purchase.over_daily_limit",
            actor=provider_actor(purchase.provider),
            target=purchase,
            data={"paid_in_24h": paid_recently, "limit": settings.CREDITS_DAILY_LIMIT},
        )
    purchase_id = purchase.pk
    transaction.on_commit(lambda: send_receipt(purchase_id=purchase_id))
    return purchase


@transaction.atomic
def purchase_fail(
    *, purchase: Purchase | int, message: str, event: PaymentEvent | None = None
) -> Purchase:
    """The card was refused (or the checkout expired). A paid purchase is never un-paid by this."""
    purchase = _locked_purchase(purchase)
    if purchase.status not in (Purchase.Status.CREATED, Purchase.Status.FAILED):
        return purchase  # an old failure arriving after the payment went through
    purchase.status = Purchase.Status.FAILED
    purchase.failure_message = message[:200]
    purchase.save(update_fields=["status", "failure_message"])
    audit_log(
        "purchase.failed",
        actor=provider_actor(purchase.provider),
        target=purchase,
        data={"message": purchase.failure_message, "event": event.event_id if event else ""},
    )
    return purchase


def send_receipt(*, purchase_id: int) -> None:
    from kinframe.notify.services import send_email

    purchase = Purchase.objects.select_related("user").get(pk=purchase_id)
    if not purchase.user.email:
        return
    send_email(
        to=purchase.user.email,
        subject=f"Your receipt: {purchase.credits:,} Kinframe credits",
        template="receipt",
        context={
            "purchase": purchase,
            "user": purchase.user,
            "amount": dollars(purchase.amount_cents),
            "test_mode": get_provider(purchase.provider).test_mode,
        },
    )


# --- Refunds and chargebacks ------------------------------------------------------------------------------


@transaction.atomic
def purchase_refund(
    *,
    purchase: Purchase | int,
    actor: Actor,
    credits: int | None = None,
    unspent_only: bool = False,
) -> Purchase:
    """Give a purchase's money back to the card and take its credits out of the wallet.

    ``credits=None`` refunds everything not yet refunded, or with ``unspent_only`` as much of that
    as the wallet still holds. A refund never takes the wallet below zero: spent credits stay spent.
    One transaction: see ``_refund_locked`` for what happens if it fails after the provider call.
    """
    purchase = _locked_purchase(purchase)
    wallet_balance = wallet_lock(purchase.user).balance
    if purchase.status not in (Purchase.Status.PAID, Purchase.Status.REFUNDED):
        raise RefundError(
            f"Purchase #{purchase.pk} is {purchase.get_status_display()}; "
            "only a paid purchase can be refunded."
        )
    remaining = purchase.remaining_credits
    if credits is None:
        credits = min(remaining, max(wallet_balance, 0)) if unspent_only else remaining
    if remaining <= 0:
        raise RefundError(f"Purchase #{purchase.pk} has already been refunded in full.")
    if credits <= 0 or credits > remaining:
        if unspent_only:
            raise RefundError(f"None of purchase #{purchase.pk}'s credits are unspent.")
        raise RefundError(f"Refund between 1 and {remaining:,} credits of purchase #{purchase.pk}.")
    if credits > wallet_balance:
        raise RefundError(
            f"Only {max(wallet_balance, 0):,} of purchase #{purchase.pk}'s credits are unspent; "
            "refund the unspent part instead."
        )
    _refund_locked(purchase=purchase, credits=credits, actor=actor)
    return purchase


def _refund_idempotency_key(purchase: Purchase) -> str:
    """The provider idempotency key of the next refund of ``purchase``; see ``_refund_locked``."""
    return f"kinframe-refund-{purchase.pk}-after-{purchase.refunded_credits}"


def _refund_locked(*, purchase: Purchase, credits: int, actor: Actor) -> None:
    """Ask the provider to refund ``credits`` of ``purchase``, then record it in the ledger.

    The caller holds the wallet and purchase locks in its transaction and has checked ``credits``
    against the purchase and the wallet. The provider is called under those locks so nothing can
    spend the credits or refund the purchase between that check and the ledger write.

    The provider call cannot be rolled back: if the transaction fails after it (the ledger write
    or the commit fails, the process dies), the card has the money back while the books still
    show the credits. Two things make that come right without a second refund:

    - The idempotency key names the refund by the purchase's refunded total *before* it
      (``kinframe-refund-<id>-after-<refunded>``), not by its amount. There is only ever one
      such refund: once it is recorded the total moves on and the next refund gets a new key.
      So a retry (the sender asks again, an operator repeats the action) sends the same key and
      the provider returns the refund it already made: the sandbox derives the refund id from
      the key, and Stripe replays its saved answer for 24 hours. If the wallet changed in the
      meantime and the retry asks for a different amount, Stripe refuses the request (same key,
      other parameters) instead of refunding a second time; the sender sees an error and the
      webhook below settles the books.
    - Stripe also sends ``charge.refunded`` with the charge's refunded total, and
      ``purchase_refund_reconcile`` records whatever the books lack (below zero if the credits
      were spent since: the money is gone). If that event arrives while this transaction holds
      the lock it waits, or gets a 503 and is delivered again, and then finds nothing missing.
      Once it has recorded the lost refund, the refunded total has moved past the key, so a
      later request is a new refund of what is left, checked against the wallet as usual.

    The one gap: Stripe forgets keys after 24 hours, so if webhooks are not arriving a retry
    after that could refund twice; the ``payment.webhook`` audit trail shows whether they are.
    """
    refunded_total = purchase.refunded_credits + credits
    try:
        refund_id = get_provider(purchase.provider).refund(
            purchase=purchase, credits=credits, idempotency_key=_refund_idempotency_key(purchase)
        )
    except ProviderError as exc:
        raise RefundError(str(exc)) from exc
    _record_refund(
        purchase=purchase, refunded_total=refunded_total, actor=actor, refund_id=refund_id
    )


def _record_refund(
    *,
    purchase: Purchase,
    refunded_total: int,
    actor: Actor,
    refund_id: str = "",
    allow_debt: bool = False,
) -> None:
    credits = refunded_total - purchase.refunded_credits
    ledger_post(
        user=purchase.user,
        kind=LedgerEntry.Kind.PURCHASE_REFUND,
        amount=-credits,
        reference=f"purchase_refund:{purchase.pk}:{refunded_total}",
        purchase=purchase,
        memo=f"Refund to {purchase.card_label}",
        allow_debt=allow_debt,
        actor=actor,
    )
    purchase.refunded_credits = refunded_total
    fields = ["refunded_credits"]
    if purchase.remaining_credits == 0 and purchase.status == Purchase.Status.PAID:
        purchase.status = Purchase.Status.REFUNDED
        purchase.refunded_at = timezone.now()
        fields += ["status", "refunded_at"]
    purchase.save(update_fields=fields)
    audit_log(
        "purchase.refunded",
        actor=actor,
        target=purchase,
        data={"credits": credits, "refunded_total": refunded_total, "refund": refund_id},
    )


def purchase_refund_unspent(*, actor: Actor) -> list[Purchase]:
    """A sender asks for their unspent credits back, free: newest purchases are refunded first.

    Each purchase is refunded in a transaction of its own (lock the wallet and the purchase,
    re-check what is refundable, call the provider, write the ledger, commit), never all in one:
    the provider cannot take back a refund it has made, so a failure on a later purchase must not
    roll back the ledger entries of the earlier ones. A purchase that cannot be refunded
    (the processor refuses or is down) does not stop the others; a database failure does, as
    the next ones would likely fail too. If a refund fails after the provider call, see
    ``_refund_locked``: a retry reuses the same provider refund.

    Returns the refunded purchases when all went well. If some were refunded and some failed it
    raises ``RefundPartlyFailed`` (a ``RefundError``) whose message says both; earlier refunds stay
    done. If nothing could be refunded it raises ``RefundError``.

    Call it outside any transaction (requests are not atomic in Kinframe), or an outer rollback
    would undo the ledger entries of refunds the card has already received.
    """
    user = actor.user
    if user is None or balance_of(user) <= 0:
        raise RefundError("You have no unspent credits to refund.")
    candidates = list(refundable_purchases(user=user).values_list("pk", flat=True))
    if not candidates:
        raise RefundError("Your credits did not come from a card purchase that can be refunded.")
    refunded: list[tuple[Purchase, int]] = []
    failed: list[tuple[int, str]] = []
    for purchase_id in candidates:
        try:
            done = _purchase_refund_unspent_part(purchase_id=purchase_id, actor=actor)
        except RefundError as exc:
            logger.warning("Refund of purchase %s failed: %s", purchase_id, exc)
            failed.append((purchase_id, str(exc)))
            continue
        except DatabaseError:
            logger.exception("Refund of purchase %s failed in the database", purchase_id)
            failed.append((purchase_id, "It could not be completed right now."))
            break
        if done is None:
            break  # the wallet is empty: nothing more to refund
        if done[1]:
            refunded.append(done)
    if failed:
        message = _refund_outcome_message(refunded=refunded, failed=failed)
        if refunded:
            raise RefundPartlyFailed(
                message, refunded=[purchase for purchase, _ in refunded], failed=failed
            )
        raise RefundError(message)
    if not refunded:
        raise RefundError("You have no unspent credits to refund.")
    return [purchase for purchase, _ in refunded]


def _refund_outcome_message(
    *, refunded: list[tuple[Purchase, int]], failed: list[tuple[int, str]]
) -> str:
    """What the sender is told when some refunds failed: what was refunded, what was not."""
    parts = []
    if refunded:
        credits = sum(part for _, part in refunded)
        numbers = ", ".join(f"#{purchase.pk}" for purchase, _ in refunded)
        parts.append(
            f"{credits:,} credits ({dollars(credits)}) are on their way back to your card "
            f"(purchase {numbers}). Card refunds take 5 to 10 days to appear."
        )
    parts += [f"The refund of purchase #{pk} failed: {message}" for pk, message in failed]
    parts.append(
        "The credits not refunded are still in your account; try again later."
        if refunded
        else "Nothing was refunded: your credits are still in your account. Try again later."
    )
    return " ".join(parts)


@transaction.atomic
def _purchase_refund_unspent_part(*, purchase_id: int, actor: Actor) -> tuple[Purchase, int] | None:
    """Refund one purchase's share of the unspent credits, as one unit; None if the wallet is empty.

    Re-checked under the locks: the wallet may have been spent, or the purchase refunded or
    charged back, since the sender asked.
    """
    purchase = _locked_purchase(purchase_id)
    balance = wallet_lock(purchase.user).balance
    if balance <= 0:
        return None
    if purchase.status not in (Purchase.Status.PAID, Purchase.Status.REFUNDED):
        return purchase, 0
    credits = min(purchase.remaining_credits, balance)
    if credits > 0:
        _refund_locked(purchase=purchase, credits=credits, actor=actor)
    return purchase, credits


@transaction.atomic
def purchase_chargeback(
    *,
    purchase: Purchase | int,
    credits: int | None = None,
    dispute_id: str = "",
    actor: Actor | None = None,
    event: PaymentEvent | None = None,
) -> Purchase:
    """The card holder disputed the payment and the network took the money back.

    Takes the purchase's credits (those not already refunded) out of the wallet, even when that
    leaves it below zero: the account then owes credits and cannot send until a purchase settles it.
    """
    purchase = _locked_purchase(purchase)
    actor = actor or provider_actor(purchase.provider)
    if purchase.charged_back_credits or purchase.status == Purchase.Status.CHARGED_BACK:
        return purchase  # one reversal per chargeback
    if purchase.status not in (Purchase.Status.PAID, Purchase.Status.REFUNDED):
        raise RefundError(f"Purchase #{purchase.pk} was never paid, so it cannot be charged back.")
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


@transaction.atomic
def purchase_refund_reconcile(
    *, purchase: Purchase | int, refunded_total: int, event: PaymentEvent | None = None
) -> Purchase:
    """The provider reports a refunded total (``charge.refunded``), e.g. from Stripe's dashboard.

    Refunds Kinframe made itself are already recorded, so only a difference moves credits. The
    money has already gone back to the card, so this may leave the wallet below zero.
    """
    purchase = _locked_purchase(purchase)
    ceiling = purchase.credits - purchase.charged_back_credits
    refunded_total = min(refunded_total, ceiling)
    if refunded_total > purchase.refunded_credits:
        _record_refund(
            purchase=purchase,
            refunded_total=refunded_total,
            actor=provider_actor(purchase.provider),
            refund_id=event.event_id if event else "",
            allow_debt=True,
        )
    return purchase


# --- Webhooks -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WebhookResult:
    event_id: str
    outcome: str  # processed | duplicate | ignored


def webhook_handle(*, provider: str, payload: bytes, signature_header: str | None) -> WebhookResult:
    """Verify, store once, then act on a provider's event. Both providers come through here.

    Raises ``WebhookRejected`` (answer 400) for a bad signature and ``WebhookRetryLater`` (answer 503)
    when a lock is busy or the event is about a payment not yet confirmed.
    """
    payment_provider = get_provider(provider)
    try:
        event = payment_provider.parse_webhook(payload=payload, signature_header=signature_header)
    except InvalidSignature as exc:
        logger.warning("Refused a %s webhook: %s", provider, exc)
        raise WebhookRejected(str(exc)) from exc
    card = ("", "")
    if event.type == "checkout.session.completed":
        # Before the transaction: Stripe is a network call and no lock should wait on it.
        card = payment_provider.card_details(session=event.object)
    try:
        return _webhook_apply(provider=provider, event=event, card=card)
    except OperationalError as exc:  # lock timeout (PostgreSQL) or "database is locked" (SQLite)
        logger.warning("Webhook %s waited too long for a lock: %s", event.id, exc)
        raise WebhookRetryLater("Busy; retry later.") from exc


@transaction.atomic
def _webhook_apply(*, provider: str, event: ProviderEvent, card: tuple[str, str]) -> WebhookResult:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL lock_timeout = '{WEBHOOK_LOCK_TIMEOUT}'")
    try:
        with transaction.atomic():
            stored = PaymentEvent.objects.create(
                provider=provider,
                event_id=event.id[:200],
                event_type=event.type[:100],
                payload=event.payload,
            )
    except IntegrityError:
        return WebhookResult(event.id, "duplicate")
    purchase = _purchase_named_by(provider=provider, obj=event.object)
    outcome = "ignored"
    if purchase is not None:
        outcome = _dispatch(event=event, stored=stored, purchase=purchase, card=card)
    stored.purchase = purchase
    stored.processed_at = timezone.now()
    stored.save(update_fields=["purchase", "processed_at"])
    audit_log(
        "payment.webhook",
        actor=provider_actor(provider),
        target=stored,
        data={"event": event.id, "type": event.type, "outcome": outcome},
    )
    return WebhookResult(event.id, outcome)


def _purchase_named_by(*, provider: str, obj: dict[str, Any]) -> Purchase | None:
    metadata = obj.get("metadata") or {}
    purchase_id = metadata.get("purchase_id") or obj.get("client_reference_id")
    purchases = Purchase.objects.filter(provider=provider)
    if purchase_id and str(purchase_id).isdigit():
        return purchases.filter(pk=int(purchase_id)).first()
    payment = obj.get("payment_intent")
    if payment:
        return purchases.filter(payment_reference=str(payment)).first()
    return None


def _dispatch(
    *, event: ProviderEvent, stored: PaymentEvent, purchase: Purchase, card: tuple[str, str]
) -> str:
    obj = event.object
    if event.type == "checkout.session.completed":
        if obj.get("payment_status") != "paid":
            return "ignored"  # an async payment method still settling; its own event follows
        if (
            obj.get("amount_total") != purchase.amount_cents
            or str(obj.get("currency", "")).lower() != purchase.currency
        ):
            logger.error("Webhook %s: amount does not match purchase %s", event.id, purchase.pk)
            audit_log(
                "payment.amount_mismatch",
                actor=provider_actor(purchase.provider),
                target=purchase,
                data={"event": event.id},
            )
            return "ignored"
        purchase_confirm(
            purchase=purchase,
            card_brand=card[0],
            card_last4=card[1],
            payment_reference=str(obj.get("payment_intent") or ""),
            event=stored,
        )
        return "processed"
    if event.type == "payment_intent.payment_failed":
        error = obj.get("last_payment_error") or {}
        purchase_fail(
            purchase=purchase,
            message=str(error.get("message") or "The payment failed."),
            event=stored,
        )
        return "processed"
    if event.type == "checkout.session.expired":
        purchase_fail(
            purchase=purchase, message="The checkout expired before it was paid.", event=stored
        )
        return "processed"
    if event.type in ("charge.refunded", "charge.dispute.created"):
        if purchase.status in (Purchase.Status.CREATED, Purchase.Status.FAILED):
            # Arrived before the payment's own event: roll back (the event is not kept) and let the
            # provider deliver it again after the payment is confirmed.
            raise WebhookRetryLater(f"Purchase {purchase.pk} is not confirmed yet.")
        if event.type == "charge.refunded":
            purchase_refund_reconcile(
                purchase=purchase, refunded_total=int(obj.get("amount_refunded") or 0), event=stored
            )
        else:
            purchase_chargeback(
                purchase=purchase,
                credits=int(obj.get("amount") or 0) or None,
                dispute_id=str(obj.get("id", "")),
                event=stored,
            )
        return "processed"
    return "ignored"


def sandbox_simulate_chargeback(*, purchase: Purchase) -> WebhookResult:
    """Staff/test: have the sandbox processor report a dispute, through the real webhook path."""
    from .providers import sandbox

    if purchase.provider != "sandbox":
        raise RefundError("Only sandbox purchases can have a simulated chargeback.")
    payload, header = sandbox.signed_event("charge.dispute.created", sandbox.dispute(purchase))
    return webhook_handle(provider="sandbox", payload=payload, signature_header=header)
