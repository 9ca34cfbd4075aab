"""Refunds: an operator's or a sender's, made through the provider, and those the provider reports.

Each refund is a ledger entry ``purchase_refund:<id>:<refunded total after it>``; its provider
idempotency key is ``kinframe-refund-<id>-after-<refunded total before it>``, so a refund the
provider made but the database lost is the same refund when retried (see ``_refund_locked``).
``purchase_refund_unspent`` refunds each purchase in its own transaction, never all in one.
"""

from __future__ import annotations

import logging

from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from kinframe.audit.actors import Actor
from kinframe.audit.services import audit_log
from kinframe.credits.models import LedgerEntry
from kinframe.credits.selectors import balance_of
from kinframe.credits.services import ledger_post, wallet_lock

from .errors import RefundError, RefundPartlyFailed
from .limits import credit_count, dollars
from .locks import purchase_lock
from .models import PaymentEvent, Purchase
from .providers import ProviderError, get_provider
from .selectors import refundable_purchases

logger = logging.getLogger(__name__)


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
    purchase = purchase_lock(purchase)
    wallet_balance = wallet_lock(purchase.user).balance
    if purchase.status not in (Purchase.Status.PAID, Purchase.Status.REFUNDED):
        raise RefundError(
            gettext("Purchase #%(number)s is %(status)s; only a paid purchase can be refunded.")
            % {"number": purchase.pk, "status": purchase.get_status_display()}
        )
    remaining = purchase.remaining_credits
    if credits is None:
        credits = min(remaining, max(wallet_balance, 0)) if unspent_only else remaining
    if remaining <= 0:
        raise RefundError(
            gettext("Purchase #%(number)s has already been refunded in full.")
            % {"number": purchase.pk}
        )
    if credits <= 0 or credits > remaining:
        if unspent_only:
            raise RefundError(
                gettext("None of purchase #%(number)s's credits are unspent.")
                % {"number": purchase.pk}
            )
        raise RefundError(
            gettext("Refund between 1 and %(credits)s credits of purchase #%(number)s.")
            % {"credits": credit_count(remaining), "number": purchase.pk}
        )
    if credits > wallet_balance:
        raise RefundError(
            gettext(
                "Only %(credits)s of purchase #%(number)s's credits are unspent; "
                "refund the unspent part instead."
            )
            % {"credits": credit_count(max(wallet_balance, 0)), "number": purchase.pk}
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
        raise RefundError(gettext("You have no unspent credits to refund."))
    candidates = list(refundable_purchases(user=user).values_list("pk", flat=True))
    if not candidates:
        raise RefundError(
            gettext("Your credits did not come from a card purchase that can be refunded.")
        )
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
            failed.append((purchase_id, gettext("It could not be completed right now.")))
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
        raise RefundError(gettext("You have no unspent credits to refund."))
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
            ngettext(
                "%(credits)s credit (%(amount)s) is on its way back to your card "
                "(purchase %(numbers)s). Card refunds take 5 to 10 days to appear.",
                "%(credits)s credits (%(amount)s) are on their way back to your card "
                "(purchase %(numbers)s). Card refunds take 5 to 10 days to appear.",
                credits,
            )
            % {"credits": credit_count(credits), "amount": dollars(credits), "numbers": numbers}
        )
    parts += [
        gettext("The refund of purchase #%(number)s failed: %(reason)s")
        % {"number": pk, "reason": message}
        for pk, message in failed
    ]
    parts.append(
        gettext("The credits not refunded are still in your account; try again later.")
        if refunded
        else gettext(
            "Nothing was refunded: your credits are still in your account. Try again later."
        )
    )
    return " ".join(parts)


@transaction.atomic
def _purchase_refund_unspent_part(*, purchase_id: int, actor: Actor) -> tuple[Purchase, int] | None:
    """Refund one purchase's share of the unspent credits, as one unit; None if the wallet is empty.

    Re-checked under the locks: the wallet may have been spent, or the purchase refunded or
    charged back, since the sender asked.
    """
    purchase = purchase_lock(purchase_id)
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
def purchase_refund_reconcile(
    *,
    actor: Actor,
    purchase: Purchase | int,
    refunded_total: int,
    event: PaymentEvent | None = None,
) -> Purchase:
    """The provider reports a refunded total (Stripe's ``charge.refunded``), e.g. from Stripe's dashboard.

    Refunds Kinframe made itself are already recorded, so only a difference moves credits. The
    money has already gone back to the card, so this may leave the wallet below zero.
    """
    purchase = purchase_lock(purchase)
    ceiling = purchase.credits - purchase.charged_back_credits
    refunded_total = min(refunded_total, ceiling)
    if refunded_total > purchase.refunded_credits:
        _record_refund(
            purchase=purchase,
            refunded_total=refunded_total,
            actor=actor,
            refund_id=event.event_id if event else "",
            allow_debt=True,
        )
    return purchase
