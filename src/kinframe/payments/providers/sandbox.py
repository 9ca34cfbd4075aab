"""The embedded test-mode card processor.

It behaves like a real one so the whole purchase path is exercised without a Stripe account: its
own hosted card page (``payments.views.sandbox_checkout`` parses the form, ``sandbox_card_payment``
here decides the card's fate), Stripe's test card numbers, its own record of the charges it made
(``SandboxCharge``), and callbacks in its own small JSON format, signed
``t=<unix time>,v1=<HMAC-SHA256 of "<t>.<body>">`` with ``PAYMENT_SANDBOX_SECRET``, that go through
the same ``webhooks.webhook_handle`` (signature check, schema, ids) as Stripe's webhooks.

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
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Any, Literal

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_noop
from django.views.decorators.debug import sensitive_variables
from pydantic import BaseModel, ConfigDict, Field, StrictInt, StringConstraints, ValidationError

from kinframe.payments.outcomes import OutcomeKind, PaymentOutcome, ProviderNotice
from kinframe.payments.selectors import OPEN_CHECKOUT_WINDOW

from .base import (
    SIGNATURE_TOLERANCE_SECONDS,
    Cents,
    CheckoutStart,
    InvalidSignature,
    PaymentProvider,
    ProviderId,
    ProviderPayment,
    ShortText,
    load_json_object,
    malformed,
)

if TYPE_CHECKING:
    from kinframe.payments.models import Purchase
    from kinframe.payments.webhooks import WebhookResult

SIGNATURE_HEADER = "Kinframe-Sandbox-Signature"
# Stored in English (as a real processor words them) and translated when shown: see
# ``payments.views.sandbox_checkout`` and the purchase pages ({% translate purchase.failure_message %}).
DECLINED = gettext_noop("Your card was declined.")
BUSY = gettext_noop("The payment could not be completed right now. Nothing was charged; try again.")
# The card page closes this long after the purchase opened, a little before the daily limit stops
# counting the checkout.
CHECKOUT_PAYABLE_FOR = OPEN_CHECKOUT_WINDOW - timedelta(minutes=5)

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
    "4000000000009995": ("insufficient_funds", gettext_noop("Your card has insufficient funds.")),
    "4000000000000069": ("expired_card", gettext_noop("Your card has expired.")),
    "4000000000000127": ("incorrect_cvc", gettext_noop("Your card's security code is incorrect.")),
}
NOT_A_TEST_CARD = gettext_noop(
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


# --- Signatures -------------------------------------------------------------------------------------


def _secret() -> str:
    """The signing secret, refusing one anybody could know (see settings: never with DEBUG off)."""
    secret = settings.PAYMENT_SANDBOX_SECRET
    if not secret:
        raise InvalidSignature("The sandbox is not configured (PAYMENT_SANDBOX_SECRET is empty).")
    if not settings.DEBUG and secret in settings.PAYMENT_PUBLIC_SECRETS:
        raise InvalidSignature("PAYMENT_SANDBOX_SECRET is a public development value.")
    return secret


def sign(payload: bytes, *, secret: str | None = None, timestamp: int | None = None) -> str:
    """The signature header for ``payload``."""
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


# --- The sandbox's own event format -----------------------------------------------------------------


class _Card(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    brand: Annotated[str, StringConstraints(strict=True, max_length=20)] = ""
    last4: Annotated[str, StringConstraints(strict=True, pattern=r"^[0-9]{0,4}$")] = ""


class SandboxEvent(BaseModel):
    """One callback: ``outcome`` happened to ``purchase``'s checkout ``session`` / ``payment``."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: ProviderId
    outcome: Literal["paid", "failed", "refunded", "disputed"]
    purchase: Annotated[StrictInt, Field(gt=0, lt=2**63)]
    session: ProviderId
    payment: ProviderId
    amount: Cents | None = None
    currency: Annotated[str, StringConstraints(strict=True, pattern=r"^[a-z]{3}$")] = "usd"
    card: _Card | None = None
    message: ShortText = ""
    reference: ShortText = ""


def payment_reference_for(purchase: Purchase) -> str:
    return f"pi_sbx_{purchase.pk}"


def event(purchase: Purchase, outcome: OutcomeKind, **fields: Any) -> dict[str, Any]:
    """A sandbox callback body about ``purchase`` (``fields``: amount, card, message, reference)."""
    return {
        "id": f"sbx_evt_{secrets.token_hex(12)}",
        "outcome": str(outcome),
        "purchase": purchase.pk,
        "session": purchase.provider_reference,
        "payment": purchase.payment_reference or payment_reference_for(purchase),
        "currency": purchase.currency,
        **fields,
    }


def paid_event(purchase: Purchase, card: CardOutcome) -> dict[str, Any]:
    return event(
        purchase,
        OutcomeKind.PAID,
        amount=purchase.amount_cents,
        card={"brand": card.brand, "last4": card.last4},
    )


def failed_event(purchase: Purchase, card: CardOutcome) -> dict[str, Any]:
    return event(
        purchase,
        OutcomeKind.FAILED,
        message=card.message,
        card={"brand": card.brand, "last4": card.last4},
    )


def dispute_event(purchase: Purchase, *, amount: int | None = None) -> dict[str, Any]:
    return event(
        purchase,
        OutcomeKind.DISPUTED,
        amount=purchase.amount_cents if amount is None else amount,
        reference=f"dp_sbx_{purchase.pk}",
    )


def signed(body: dict[str, Any]) -> tuple[bytes, str]:
    """A callback body's bytes and its signature header, ready for ``webhook_handle``."""
    payload = json.dumps(body, separators=(",", ":")).encode()
    return payload, sign(payload)


def deliver(body: dict[str, Any]) -> WebhookResult:
    """Send a callback to Kinframe through the webhook path, as the sandbox's servers would."""
    from kinframe.payments.webhooks import webhook_handle

    payload, header = signed(body)
    return webhook_handle(provider="sandbox", payload=payload, signature_header=header)


def record_charge(purchase: Purchase) -> bool:
    """Write the sandbox's own record of charging ``purchase``'s checkout; False if it already had."""
    from kinframe.payments.models import SandboxCharge

    _, created = SandboxCharge.objects.get_or_create(
        session_id=purchase.provider_reference,
        defaults={
            "purchase_id": purchase.pk,
            "amount_cents": purchase.amount_cents,
            "currency": purchase.currency,
        },
    )
    return created


# --- The hosted card page ---------------------------------------------------------------------------


def checkout_payable(purchase: Purchase) -> bool:
    """Whether the card page still takes a card. After a decline it stays open for another card,
    as Stripe's does; the daily limit therefore counts a failed purchase's checkout while it is
    payable (``selectors.open_checkouts_q``)."""
    from kinframe.payments.models import Purchase

    return purchase.status in (Purchase.Status.CREATED, Purchase.Status.FAILED) and (
        timezone.now() - purchase.created_at < CHECKOUT_PAYABLE_FOR
    )


@dataclass(frozen=True)
class CardPageResult:
    paid: bool
    message: str = ""  # why not, for the card page


@sensitive_variables("card_number")
def sandbox_card_payment(*, purchase: Purchase, card_number: str) -> CardPageResult:
    """The sandbox processor charges (or declines) a validated card for ``purchase``'s checkout
    and reports it to Kinframe through the signed webhook path.

    A charge is recorded before it is reported, as a real processor does; if Kinframe cannot take
    the report now (a busy lock), the sandbox voids the charge and the page says nothing was
    charged.
    """
    from kinframe.payments.errors import WebhookRejected, WebhookRetryLater
    from kinframe.payments.models import SandboxCharge

    card = sandbox_authorize(card_number=card_number)
    new_charge = record_charge(purchase) if card.paid else False
    try:
        deliver(paid_event(purchase, card) if card.paid else failed_event(purchase, card))
    except (WebhookRetryLater, WebhookRejected):
        if new_charge:
            SandboxCharge.objects.filter(session_id=purchase.provider_reference).delete()
        return CardPageResult(False, BUSY)
    return CardPageResult(card.paid, card.message)


class SandboxProvider(PaymentProvider):
    name = "sandbox"
    signature_header = SIGNATURE_HEADER
    test_mode = True

    def start_checkout(self, *, purchase, success_url, cancel_url) -> CheckoutStart:
        session_id = f"cs_sbx_{secrets.token_urlsafe(18)}"
        url = reverse("payments:sandbox_checkout", kwargs={"session_id": session_id})
        return CheckoutStart(session_id, url, payment_reference_for(purchase))

    def parse_webhook(self, *, payload, signature_header) -> ProviderNotice:
        verify(payload, signature_header, secret=_secret())
        body = load_json_object(payload)
        try:
            sent = SandboxEvent.model_validate(body)
        except ValidationError as exc:
            raise malformed(exc, event_id=str(body.get("id", ""))[:200]) from exc
        card = sent.card or _Card()
        outcome = PaymentOutcome(
            OutcomeKind(sent.outcome),
            sent.purchase,
            session_id=sent.session,
            payment_id=sent.payment,
            amount=sent.amount,
            currency=sent.currency,
            card_brand=card.brand,
            card_last4=card.last4,
            message=sent.message or (DECLINED if sent.outcome == "failed" else ""),
            reference=sent.reference,
        )
        return ProviderNotice(sent.id, f"sandbox.{sent.outcome}", body, outcome)

    def refund(self, *, purchase, credits, idempotency_key) -> str:
        # The sandbox refunds at once; the key doubles as its refund id, so a retry is the same refund.
        return f"re_sbx_{hashlib.sha256(idempotency_key.encode()).hexdigest()[:16]}"

    def paid_records(self, *, since: datetime) -> list[ProviderPayment]:
        from kinframe.payments.models import SandboxCharge

        return [
            ProviderPayment(
                session_id=charge.session_id,
                purchase_id=charge.purchase_id,
                amount=charge.amount_cents,
                currency=charge.currency,
                created=charge.created_at,
            )
            for charge in SandboxCharge.objects.filter(created_at__gte=since).order_by("id")
        ]
