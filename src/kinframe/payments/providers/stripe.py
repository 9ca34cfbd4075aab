"""Stripe Checkout through the official ``stripe`` package.

Credits are granted only from the signed ``checkout.session.completed`` webhook, never from the
browser coming back to ``success_url`` (anyone can type that address).
"""

from __future__ import annotations

import time
from typing import Any

import stripe
from django.conf import settings

from .base import (
    SIGNATURE_TOLERANCE_SECONDS,
    CheckoutStart,
    InvalidSignature,
    PaymentProvider,
    ProviderError,
    ProviderEvent,
)

# Stripe accepts a session expiry between 30 minutes and 24 hours; a short one keeps abandoned
# checkouts from holding the daily limit for long.
CHECKOUT_EXPIRES_SECONDS = 31 * 60
UNAVAILABLE = "The card processor could not be reached. Nothing was charged; please try again."
REFUND_UNAVAILABLE = "The card processor could not make the refund right now."


def stripe_client() -> stripe.StripeClient:
    if not settings.STRIPE_SECRET_KEY:
        raise ProviderError("Card payments are not configured (STRIPE_SECRET_KEY is empty).")
    base_addresses: Any = {"api": settings.STRIPE_API_BASE} if settings.STRIPE_API_BASE else None
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        base_addresses=base_addresses,
        max_network_retries=getattr(settings, "STRIPE_MAX_NETWORK_RETRIES", 2),
    )


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
            raise ProviderError(UNAVAILABLE) from exc
        session_data = session.to_dict()
        return CheckoutStart(
            session_data["id"],
            session_data.get("url") or "",
            str(session_data.get("payment_intent") or ""),
        )

    def parse_webhook(self, *, payload, signature_header) -> ProviderEvent:
        if not settings.STRIPE_WEBHOOK_SECRET:
            raise InvalidSignature("STRIPE_WEBHOOK_SECRET is not configured.")
        try:
            event = stripe.Webhook.construct_event(
                payload,
                signature_header or "",
                settings.STRIPE_WEBHOOK_SECRET,
                tolerance=SIGNATURE_TOLERANCE_SECONDS,
            )
        except (stripe.SignatureVerificationError, ValueError) as exc:
            raise InvalidSignature(str(exc)) from exc
        body = event.to_dict()
        try:
            return ProviderEvent(
                id=body["id"], type=body["type"], object=body["data"]["object"], payload=body
            )
        except (KeyError, TypeError) as exc:
            raise InvalidSignature("The event is not in the expected shape.") from exc

    def card_details(self, *, session) -> tuple[str, str]:
        """Ask Stripe which card paid; a statement without the last four is better than no credits."""
        payment_intent = session.get("payment_intent")
        if not payment_intent:
            return "", ""
        try:
            intent = stripe_client().v1.payment_intents.retrieve(
                str(payment_intent), {"expand": ["latest_charge"]}
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
            message = getattr(exc, "user_message", None) or REFUND_UNAVAILABLE
            raise ProviderError(message) from exc
        return refund.id
