"""What a card processor tells Kinframe, in Kinframe's words.

Each provider turns its own webhooks (Stripe's event names and JSON, the sandbox's simple format)
into a ``PaymentOutcome``; ``payments.webhooks`` acts on outcomes and never sees a provider's wire
format. Amounts are cents (= credits).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from kinframe.audit.actors import Actor


class OutcomeKind(enum.StrEnum):
    PAID = "paid"  # the card was charged for the checkout
    FAILED = "failed"  # the card was refused, or the checkout expired unpaid
    REFUNDED = "refunded"  # the payment's refunded total is now ``amount``
    DISPUTED = "disputed"  # the card holder disputed ``amount`` and the network took it back


@dataclass(frozen=True)
class PaymentOutcome:
    """One thing that happened to a purchase's payment, with the provider's ids for it.

    ``purchase_id`` is the purchase the provider was told about when the checkout opened (None if
    the event does not say); ``session_id`` and ``payment_id`` are the provider's own ids, which
    must agree with those Kinframe stored for that purchase.
    """

    kind: OutcomeKind
    purchase_id: int | None = None
    session_id: str = ""
    payment_id: str = ""
    amount: int | None = None  # PAID: charged; REFUNDED: refunded total; DISPUTED: disputed
    currency: str = ""
    card_brand: str = ""
    card_last4: str = ""
    message: str = ""  # FAILED: why, in words the sender can read
    reference: str = ""  # the provider's id of the refund or dispute


@dataclass(frozen=True)
class ProviderNotice:
    """A verified, validated webhook: its provider-unique id and type, the body as received (kept
    on ``PaymentEvent``), and the outcome it reports (None when it is about nothing Kinframe acts
    on, e.g. an event type it does not use or a payment still settling)."""

    event_id: str
    event_type: str
    payload: dict
    outcome: PaymentOutcome | None


def provider_actor(provider: str) -> Actor:
    """The card processor, acting through its webhooks."""
    return Actor.system(f"payments:{provider}")
