"""Stripe Checkout through the official ``stripe`` package.

Credits are granted only from the signed ``checkout.session.completed`` webhook, never from the
browser coming back to ``success_url`` (anyone can type that address). This module is the only
place that knows Stripe's event names and object shapes: ``parse_webhook`` validates each event
against the schema below and translates it into a ``PaymentOutcome``.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import stripe
from django.conf import settings
from django.utils.translation import gettext, gettext_noop
from pydantic import BaseModel, ConfigDict, StrictStr, ValidationError

from kinframe.payments.outcomes import OutcomeKind, PaymentOutcome, ProviderNotice

from .base import (
    SIGNATURE_TOLERANCE_SECONDS,
    Cents,
    CheckoutStart,
    InvalidSignature,
    PaymentProvider,
    ProviderError,
    ProviderId,
    ProviderPayment,
    ShortText,
    load_json_object,
    malformed,
    purchase_id_from,
)

# Stripe accepts a session expiry between 30 minutes and 24 hours; a short one keeps abandoned
# checkouts from holding the daily limit for long.
CHECKOUT_EXPIRES_SECONDS = 31 * 60
# Worded in English here and translated where raised, for the person who reads them.
UNAVAILABLE = gettext_noop(
    "The card processor could not be reached. Nothing was charged; please try again."
)
REFUND_UNAVAILABLE = gettext_noop("The card processor could not make the refund right now.")
# Stored as the purchase's failure message; the purchase pages translate it when shown.
EXPIRED = gettext_noop("The checkout expired before it was paid.")
PAYMENT_FAILED = gettext_noop("The payment failed.")


def stripe_client() -> stripe.StripeClient:
    if not settings.STRIPE_SECRET_KEY:
        raise ProviderError("Card payments are not configured (STRIPE_SECRET_KEY is empty).")
    base_addresses: Any = {"api": settings.STRIPE_API_BASE} if settings.STRIPE_API_BASE else None
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        base_addresses=base_addresses,
        max_network_retries=getattr(settings, "STRIPE_MAX_NETWORK_RETRIES", 2),
    )


# --- The parts of Stripe's events Kinframe reads (anything else in them is ignored) ---------------


class _StripeObject(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class _Data(_StripeObject):
    object: dict[str, Any]


class _Event(_StripeObject):
    id: ProviderId
    type: ProviderId
    data: _Data


class _CheckoutSession(_StripeObject):
    id: ProviderId
    amount_total: Cents | None = None
    currency: ShortText | None = None
    client_reference_id: ShortText | None = None
    metadata: dict[str, StrictStr] | None = None
    payment_intent: ProviderId | None = None
    payment_status: ShortText | None = None


class _PaymentError(_StripeObject):
    message: ShortText | None = None


class _PaymentIntent(_StripeObject):
    id: ProviderId
    metadata: dict[str, StrictStr] | None = None
    last_payment_error: _PaymentError | None = None


class _Charge(_StripeObject):
    id: ProviderId
    payment_intent: ProviderId | None = None
    amount_refunded: Cents
    metadata: dict[str, StrictStr] | None = None


class _Dispute(_StripeObject):
    id: ProviderId
    payment_intent: ProviderId | None = None
    amount: Cents
    metadata: dict[str, StrictStr] | None = None


_SCHEMAS: dict[str, type[_StripeObject]] = {
    "checkout.session.completed": _CheckoutSession,
    "checkout.session.expired": _CheckoutSession,
    "payment_intent.payment_failed": _PaymentIntent,
    "charge.refunded": _Charge,
    "charge.dispute.created": _Dispute,
}


class StripeProvider(PaymentProvider):
    name = "stripe"
    signature_header = "Stripe-Signature"

    @property
    def test_mode(self) -> bool:  # type: ignore[override]
        return settings.STRIPE_SECRET_KEY.startswith(("sk_test_", "rk_test_"))

    def start_checkout(self, *, purchase, success_url, cancel_url) -> CheckoutStart:
        # Stripe sends the sender back to an absolute address on the public site.
        if success_url.startswith("/"):
            success_url = settings.SITE_URL + success_url
        if cancel_url.startswith("/"):
            cancel_url = settings.SITE_URL + cancel_url
        params: Any = {
            "mode": "payment",
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": purchase.currency,
                        "unit_amount": purchase.amount_cents,
                        "product_data": {"name": f"{purchase.credits} Kinframe credits"},
                    },
                }
            ],
            "client_reference_id": str(purchase.pk),
            "metadata": {"purchase_id": str(purchase.pk)},
            "payment_intent_data": {"metadata": {"purchase_id": str(purchase.pk)}},
            "customer_email": purchase.user.email or None,
            "success_url": success_url,
            "cancel_url": cancel_url,
            "expires_at": int(time.time()) + CHECKOUT_EXPIRES_SECONDS,
        }
        if not params["customer_email"]:
            del params["customer_email"]
        try:
            session = stripe_client().v1.checkout.sessions.create(
                params, {"idempotency_key": f"kinframe-checkout-{purchase.pk}"}
            )
        except stripe.StripeError as exc:
            raise ProviderError(gettext(UNAVAILABLE)) from exc
        session_data = session.to_dict()
        return CheckoutStart(
            session_data["id"],
            session_data.get("url") or "",
            str(session_data.get("payment_intent") or ""),
        )

    def parse_webhook(self, *, payload, signature_header) -> ProviderNotice:
        if not settings.STRIPE_WEBHOOK_SECRET:
            raise InvalidSignature("STRIPE_WEBHOOK_SECRET is not configured.")
        try:
            stripe.WebhookSignature.verify_header(
                payload.decode("utf-8"),
                signature_header or "",
                settings.STRIPE_WEBHOOK_SECRET,
                tolerance=SIGNATURE_TOLERANCE_SECONDS,
            )
        except (stripe.SignatureVerificationError, UnicodeDecodeError) as exc:
            raise InvalidSignature(str(exc)) from exc
        body = load_json_object(payload)
        try:
            event = _Event.model_validate(body)
        except ValidationError as exc:
            raise malformed(
                exc, event_id=_text(body.get("id")), event_type=_text(body.get("type"))
            ) from exc
        schema = _SCHEMAS.get(event.type)
        outcome = None
        if schema is not None:
            try:
                obj = schema.model_validate(event.data.object)
            except ValidationError as exc:
                raise malformed(
                    exc, where="data.object.", event_id=event.id, event_type=event.type
                ) from exc
            outcome = self._outcome(event, obj)
        return ProviderNotice(event.id, event.type, body, outcome)

    def _outcome(self, event: _Event, obj: _StripeObject) -> PaymentOutcome | None:
        metadata = getattr(obj, "metadata", None) or {}
        purchase_id = purchase_id_from(
            metadata.get("purchase_id"),
            getattr(obj, "client_reference_id", None),
            event_id=event.id,
            event_type=event.type,
        )
        if isinstance(obj, _CheckoutSession):
            if event.type == "checkout.session.expired":
                return PaymentOutcome(
                    OutcomeKind.FAILED, purchase_id, session_id=obj.id, message=EXPIRED
                )
            if obj.payment_status != "paid":
                return None  # an async payment method still settling; its own event follows
            brand, last4 = self._card(obj.payment_intent)
            return PaymentOutcome(
                OutcomeKind.PAID,
                purchase_id,
                session_id=obj.id,
                payment_id=obj.payment_intent or "",
                amount=obj.amount_total,
                currency=(obj.currency or "").lower(),
                card_brand=brand,
                card_last4=last4,
            )
        if isinstance(obj, _PaymentIntent):
            error = obj.last_payment_error
            return PaymentOutcome(
                OutcomeKind.FAILED,
                purchase_id,
                payment_id=obj.id,
                message=(error.message if error else None) or PAYMENT_FAILED,
            )
        if isinstance(obj, _Charge):
            return PaymentOutcome(
                OutcomeKind.REFUNDED,
                purchase_id,
                payment_id=obj.payment_intent or "",
                amount=obj.amount_refunded,
                reference=event.id,
            )
        if isinstance(obj, _Dispute):
            return PaymentOutcome(
                OutcomeKind.DISPUTED,
                purchase_id,
                payment_id=obj.payment_intent or "",
                amount=obj.amount or None,  # 0: the whole payment
                reference=obj.id,
            )
        return None

    def _card(self, payment_intent: str | None) -> tuple[str, str]:
        """Ask Stripe which card paid; a statement without the last four is better than no credits."""
        if not payment_intent:
            return "", ""
        try:
            intent = stripe_client().v1.payment_intents.retrieve(
                payment_intent, {"expand": ["latest_charge"]}
            )
            charge = intent.latest_charge  # a Charge when expanded, else its id
            details = charge.payment_method_details if isinstance(charge, stripe.Charge) else None
            card = details.card if details else None
            if card is None:
                return "", ""
            return str(card.brand or "")[:20], str(card.last4 or "")[:4]
        except (stripe.StripeError, AttributeError, ProviderError):
            return "", ""

    def refund(self, *, purchase, credits, idempotency_key) -> str:
        if not purchase.payment_reference:
            raise ProviderError("This purchase has no Stripe payment to refund.")
        try:
            refund = stripe_client().v1.refunds.create(
                {
                    "payment_intent": purchase.payment_reference,
                    "amount": credits,
                    "metadata": {"purchase_id": str(purchase.pk)},
                },
                {"idempotency_key": idempotency_key},
            )
        except stripe.StripeError as exc:
            message = getattr(exc, "user_message", None) or gettext(REFUND_UNAVAILABLE)
            raise ProviderError(message) from exc
        return refund.id

    def paid_records(self, *, since: datetime) -> list[ProviderPayment]:
        """Stripe's paid Checkout Sessions created since ``since`` (every page of them)."""
        try:
            sessions = stripe_client().v1.checkout.sessions.list(
                {"created": {"gte": int(since.timestamp())}, "limit": 100}
            )
            records = []
            for session in sessions.auto_paging_iter():
                data = session.to_dict()
                if data.get("payment_status") != "paid":
                    continue
                metadata = data.get("metadata") or {}
                records.append(
                    ProviderPayment(
                        session_id=str(data["id"]),
                        purchase_id=purchase_id_from(
                            metadata.get("purchase_id"), data.get("client_reference_id")
                        ),
                        amount=data.get("amount_total"),
                        currency=str(data.get("currency") or "").lower(),
                        created=datetime.fromtimestamp(int(data.get("created") or 0), tz=UTC),
                    )
                )
        except stripe.StripeError as exc:
            raise ProviderError(f"Stripe's records could not be read: {exc}") from exc
        return records


def _text(value: object) -> str:
    return value[:200] if isinstance(value, str) else ""
