"""The embedded test-mode card processor.

It behaves like a real one so the whole purchase path is exercised without a Stripe account: its
own hosted card page (``payments.views.sandbox_checkout``), Stripe's test card numbers, and a
callback signed like Stripe's (``t=<unix time>,v1=<HMAC-SHA256 of "<t>.<body>">`` with
``PAYMENT_SANDBOX_SECRET``) that goes through the same ``webhook_handle`` as Stripe's webhooks.

Only the card brand and last four digits ever leave this module; the number itself is checked
and dropped.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.urls import reverse
from django.views.decorators.debug import sensitive_variables

from .base import (
    SIGNATURE_TOLERANCE_SECONDS,
    CheckoutStart,
    InvalidSignature,
    PaymentProvider,
    ProviderEvent,
)

if TYPE_CHECKING:
    from kinframe.payments.models import Purchase

SIGNATURE_HEADER = "Kinframe-Sandbox-Signature"
DECLINED = "Your card was declined."

# Stripe's test cards: the outcome each number produces.
TEST_CARD_OUTCOMES: dict[str, tuple[str, str] | None] = {
    "4242424242424242": None,
    "4000056655665556": None,
    "5555555555554444": None,
    "2223003122003222": None,
    "5200828282828210": None,
    "378282246310005": None,
    "6011111111111117": None,
    "4000000000000002": ("card_declined", DECLINED),
    "4000000000009995": ("insufficient_funds", "Your card has insufficient funds."),
    "4000000000000069": ("expired_card", "Your card has expired."),
    "4000000000000127": ("incorrect_cvc", "Your card's security code is incorrect."),
}
NOT_A_TEST_CARD = (
    "Your card was declined. This is test mode: use a test card such as 4242 4242 4242 4242."
)


def luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def card_brand(digits: str) -> str:
    if digits.startswith("4"):
        return "visa"
    if digits[:2] in {"34", "37"}:
        return "amex"
    if digits[:2] in {"51", "52", "53", "54", "55"} or 2221 <= int(digits[:4] or 0) <= 2720:
        return "mastercard"
    if digits.startswith(("6011", "65")):
        return "discover"
    return "card"


@dataclass(frozen=True)
class CardOutcome:
    """What the sandbox processor decided. Carries no card number."""

    paid: bool
    brand: str
    last4: str
    code: str = ""
    message: str = ""


@sensitive_variables("card_number")
def sandbox_authorize(*, card_number: str) -> CardOutcome:
    """Decide a (validated) test card's fate the way Stripe's test mode does."""
    brand, last4 = card_brand(card_number), card_number[-4:]
    if card_number not in TEST_CARD_OUTCOMES:
        return CardOutcome(False, brand, last4, "card_declined", NOT_A_TEST_CARD)
    outcome = TEST_CARD_OUTCOMES[card_number]
    if outcome is None:
        return CardOutcome(True, brand, last4)
    return CardOutcome(False, brand, last4, *outcome)


def sign(payload: bytes, *, secret: str | None = None, timestamp: int | None = None) -> str:
    """The signature header for ``payload``, in Stripe's format."""
    secret = secret if secret is not None else settings.PAYMENT_SANDBOX_SECRET
    timestamp = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(payload: bytes, header: str | None, *, secret: str, now: float | None = None) -> None:
    if not header:
        raise InvalidSignature("No signature header.")
    try:
        parts = [item.split("=", 1) for item in header.split(",")]
        timestamp = int(next(value for key, value in parts if key.strip() == "t"))
        signatures = [value for key, value in parts if key.strip() == "v1"]
    except (StopIteration, ValueError) as exc:
        raise InvalidSignature("Malformed signature header.") from exc
    now = time.time() if now is None else now
    if abs(now - timestamp) > SIGNATURE_TOLERANCE_SECONDS:
        raise InvalidSignature("The signature's timestamp is outside the tolerance.")
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256)
    if not any(hmac.compare_digest(expected.hexdigest(), sig) for sig in signatures):
        raise InvalidSignature("The signature does not match the payload.")


def payment_reference_for(purchase: Purchase) -> str:
    return f"pi_sbx_{purchase.pk}"


def signed_event(event_type: str, obj: dict[str, Any]) -> tuple[bytes, str]:
    """A sandbox webhook body and its signature header, ready for ``webhook_handle``."""
    body = {
        "id": f"evt_sbx_{secrets.token_hex(12)}",
        "object": "event",
        "type": event_type,
        "created": int(time.time()),
        "livemode": False,
        "data": {"object": obj},
    }
    payload = json.dumps(body, separators=(",", ":")).encode()
    return payload, sign(payload)


def completed_session(purchase: Purchase, outcome: CardOutcome) -> dict[str, Any]:
    return {
        "id": purchase.provider_reference,
        "object": "checkout.session",
        "amount_total": purchase.amount_cents,
        "currency": purchase.currency,
        "client_reference_id": str(purchase.pk),
        "metadata": {"purchase_id": str(purchase.pk)},
        "payment_intent": payment_reference_for(purchase),
        "payment_status": "paid",
        "status": "complete",
        # A sandbox extension: Stripe makes Kinframe fetch these from the PaymentIntent instead.
        "card": {"brand": outcome.brand, "last4": outcome.last4},
    }


def failed_payment(purchase: Purchase, outcome: CardOutcome) -> dict[str, Any]:
    return {
        "id": payment_reference_for(purchase),
        "object": "payment_intent",
        "amount": purchase.amount_cents,
        "currency": purchase.currency,
        "metadata": {"purchase_id": str(purchase.pk)},
        "last_payment_error": {
            "code": outcome.code,
            "message": outcome.message,
            "payment_method": {"card": {"brand": outcome.brand, "last4": outcome.last4}},
        },
    }


def dispute(purchase: Purchase, *, amount: int | None = None) -> dict[str, Any]:
    return {
        "id": f"dp_sbx_{purchase.pk}",
        "object": "dispute",
        "amount": purchase.amount_cents if amount is None else amount,
        "currency": purchase.currency,
        "payment_intent": purchase.payment_reference or payment_reference_for(purchase),
        "reason": "fraudulent",
        "status": "needs_response",
        "metadata": {"purchase_id": str(purchase.pk)},
    }


class SandboxProvider(PaymentProvider):
    name = "sandbox"
    signature_header = SIGNATURE_HEADER
    test_mode = True

    def start_checkout(self, *, purchase, success_url, cancel_url) -> CheckoutStart:
        session_id = f"cs_sbx_{secrets.token_urlsafe(18)}"
        url = reverse("payments:sandbox_checkout", kwargs={"session_id": session_id})
        return CheckoutStart(session_id, url, payment_reference_for(purchase))

    def parse_webhook(self, *, payload, signature_header) -> ProviderEvent:
        verify(payload, signature_header, secret=settings.PAYMENT_SANDBOX_SECRET)
        return _event_from_json(payload)

    def card_details(self, *, session) -> tuple[str, str]:
        card = session.get("card") or {}
        return str(card.get("brand", ""))[:20], str(card.get("last4", ""))[:4]

    def refund(self, *, purchase, credits, idempotency_key) -> str:
        # The sandbox refunds at once; the key doubles as its refund id, so a retry is the same refund.
        return f"re_sbx_{hashlib.sha256(idempotency_key.encode()).hexdigest()[:16]}"


def _event_from_json(payload: bytes) -> ProviderEvent:
    try:
        body = json.loads(payload)
        return ProviderEvent(
            id=str(body["id"]),
            type=str(body["type"]),
            object=dict(body["data"]["object"]),
            payload=body,
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidSignature("The event is not valid JSON in the expected shape.") from exc
