"""Webhooks: verify, validate, store once, match, then act on what a provider reports.

Both providers come through ``webhook_handle``. The provider checks the signature and the body's
schema and translates it into a ``PaymentOutcome``; this module never sees a provider's event names
or JSON. Before anything moves, the outcome's ids must agree with the purchase it names: its
checkout session (for a payment) or its payment (for a failure, refund or dispute). A signed event
that is malformed or names another purchase's ids is refused with a 400, changes nothing, is logged
at ERROR and audited as ``payment.webhook_rejected``: a provider that sends one has a bug, or its
secret has leaked.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils import timezone

from kinframe.audit.services import audit_log

from .chargebacks import purchase_chargeback
from .errors import WebhookRejected, WebhookRetryLater
from .locks import purchase_lock
from .models import PaymentEvent, Purchase
from .outcomes import OutcomeKind, PaymentOutcome, ProviderNotice, provider_actor
from .providers import InvalidSignature, MalformedEvent, get_provider
from .purchases import purchase_confirm, purchase_fail
from .refunds import purchase_refund_reconcile

logger = logging.getLogger(__name__)

# How long a webhook waits for a locked wallet or purchase before answering 503 (PostgreSQL).
WEBHOOK_LOCK_TIMEOUT = "5s"


@dataclass(frozen=True)
class WebhookResult:
    event_id: str
    outcome: str  # processed | duplicate | ignored


class EventMismatch(Exception):
    """The event's ids are not those of the purchase it names."""

    def __init__(self, message: str, *, purchase: Purchase):
        super().__init__(message)
        self.purchase = purchase


def webhook_handle(*, provider: str, payload: bytes, signature_header: str | None) -> WebhookResult:
    """Verify, store once, then act on a provider's event. The provider acts as
    ``provider_actor(provider)``.

    Raises ``WebhookRejected`` (answer 400) for a bad signature, a malformed body or ids that do
    not match, and ``WebhookRetryLater`` (answer 503) when a lock is busy or the event is about a
    payment not yet confirmed.
    """
    try:
        notice = get_provider(provider).parse_webhook(
            payload=payload, signature_header=signature_header
        )
    except InvalidSignature as exc:
        logger.warning("Refused a %s webhook: %s", provider, exc)
        raise WebhookRejected(str(exc)) from exc
    except MalformedEvent as exc:
        _rejected(provider, str(exc), event_id=exc.event_id, event_type=exc.event_type)
        raise WebhookRejected(str(exc)) from exc
    try:
        return _webhook_apply(provider=provider, notice=notice)
    except EventMismatch as exc:  # rolled back: the event is not kept, nothing moved
        _rejected(
            provider,
            str(exc),
            event_id=notice.event_id,
            event_type=notice.event_type,
            purchase=exc.purchase,
        )
        raise WebhookRejected(str(exc)) from exc
    except OperationalError as exc:  # lock timeout (PostgreSQL) or "database is locked" (SQLite)
        logger.warning("Webhook %s waited too long for a lock: %s", notice.event_id, exc)
        raise WebhookRetryLater("Busy; retry later.") from exc


def _rejected(
    provider: str,
    reason: str,
    *,
    event_id: str,
    event_type: str,
    purchase: Purchase | None = None,
) -> None:
    logger.error("Rejected %s webhook %r (%s): %s", provider, event_id, event_type, reason)
    audit_log(
        "payment.webhook_rejected",
        actor=provider_actor(provider),
        target=purchase,
        data={"provider": provider, "event": event_id, "type": event_type, "reason": reason},
    )


@transaction.atomic
def _webhook_apply(*, provider: str, notice: ProviderNotice) -> WebhookResult:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL lock_timeout = '{WEBHOOK_LOCK_TIMEOUT}'")
    try:
        with transaction.atomic():
            stored = PaymentEvent.objects.create(
                provider=provider,
                event_id=notice.event_id,
                event_type=notice.event_type[:100],
                payload=notice.payload,
            )
    except IntegrityError:
        return WebhookResult(notice.event_id, "duplicate")
    purchase, result = None, "ignored"
    if notice.outcome is not None:
        purchase = _purchase_named_by(provider=provider, outcome=notice.outcome)
        if purchase is not None:
            purchase = purchase_lock(purchase)
            result = _act(outcome=notice.outcome, purchase=purchase, stored=stored)
    stored.purchase = purchase
    stored.processed_at = timezone.now()
    stored.save(update_fields=["purchase", "processed_at"])
    audit_log(
        "payment.webhook",
        actor=provider_actor(provider),
        target=stored,
        data={"event": notice.event_id, "type": notice.event_type, "outcome": result},
    )
    return WebhookResult(notice.event_id, result)


def _purchase_named_by(*, provider: str, outcome: PaymentOutcome) -> Purchase | None:
    purchases = Purchase.objects.filter(provider=provider)
    if outcome.purchase_id is not None:
        return purchases.filter(pk=outcome.purchase_id).first()
    if outcome.payment_id:
        return purchases.filter(payment_reference=outcome.payment_id).first()
    if outcome.session_id:
        return purchases.filter(provider_reference=outcome.session_id).first()
    return None


def _check_ids(outcome: PaymentOutcome, purchase: Purchase) -> None:
    """Refuse an outcome whose session or payment is not the purchase's own.

    A payment must name the purchase's checkout session; a refund or dispute its payment. A failure
    names one or the other; a payment id Kinframe has not learnt yet (Stripe makes it when the
    card is tried) cannot be compared, and a failure cannot move credits.
    """
    problems = []
    session_named = outcome.kind == OutcomeKind.PAID or bool(outcome.session_id)
    if session_named and (
        not purchase.provider_reference or outcome.session_id != purchase.provider_reference
    ):
        problems.append("checkout session")
    if outcome.kind in (OutcomeKind.REFUNDED, OutcomeKind.DISPUTED):
        if not outcome.payment_id or outcome.payment_id != purchase.payment_reference:
            problems.append("payment")
    elif outcome.payment_id and purchase.payment_reference not in ("", outcome.payment_id):
        problems.append("payment")
    if problems:
        raise EventMismatch(
            f"The event's {' and '.join(problems)} is not that of purchase #{purchase.pk}.",
            purchase=purchase,
        )


def _act(*, outcome: PaymentOutcome, purchase: Purchase, stored: PaymentEvent) -> str:
    actor = provider_actor(purchase.provider)
    unpaid = purchase.status in (Purchase.Status.CREATED, Purchase.Status.FAILED)
    if outcome.kind in (OutcomeKind.REFUNDED, OutcomeKind.DISPUTED) and unpaid:
        # Arrived before the payment's own event: roll back (the event is not kept) and let the
        # provider deliver it again after the payment is confirmed.
        raise WebhookRetryLater(f"Purchase {purchase.pk} is not confirmed yet.")
    _check_ids(outcome, purchase)
    if outcome.kind == OutcomeKind.PAID:
        if outcome.amount != purchase.amount_cents or outcome.currency != purchase.currency:
            logger.error(
                "Webhook %s: amount does not match purchase %s", stored.event_id, purchase.pk
            )
            audit_log(
                "payment.amount_mismatch",
                actor=actor,
                target=purchase,
                data={"event": stored.event_id},
            )
            return "ignored"
        purchase_confirm(
            actor=actor,
            purchase=purchase,
            card_brand=outcome.card_brand,
            card_last4=outcome.card_last4,
            payment_reference=outcome.payment_id,
            event=stored,
        )
    elif outcome.kind == OutcomeKind.FAILED:
        purchase_fail(actor=actor, purchase=purchase, message=outcome.message, event=stored)
    elif outcome.kind == OutcomeKind.REFUNDED:
        purchase_refund_reconcile(
            actor=actor, purchase=purchase, refunded_total=outcome.amount or 0, event=stored
        )
    else:
        purchase_chargeback(
            actor=actor,
            purchase=purchase,
            credits=outcome.amount or None,
            dispute_id=outcome.reference,
            event=stored,
        )
    return "processed"
