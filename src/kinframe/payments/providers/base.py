"""What Kinframe needs from a card processor, whichever one is configured.

Both providers speak in Stripe's shapes (Checkout Sessions, ``checkout.session.completed``,
``charge.refunded``, ``charge.dispute.created``), so ``payments.services.webhook_handle`` has one
code path for both. Amounts cross this boundary as credits (1 credit = 1 cent); each provider turns
them into its own format.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings

if TYPE_CHECKING:
    from kinframe.payments.models import Purchase

# A signature older (or newer) than this is refused, so a captured webhook cannot be replayed later.
SIGNATURE_TOLERANCE_SECONDS = 300


class InvalidSignature(Exception):
    """The webhook's signature is missing, forged or stale; nothing may be done with it."""


class ProviderError(Exception):
    """The processor refused or could not be reached; the message is safe to show to a person."""


@dataclass(frozen=True)
class CheckoutStart:
    session_id: str
    url: str
    payment_reference: str = ""


@dataclass(frozen=True)
class ProviderEvent:
    """A verified webhook event: its provider-unique id, its type and the object it is about."""

    id: str
    type: str
    object: dict[str, Any]
    payload: dict[str, Any] = field(default_factory=dict)


class PaymentProvider(ABC):
    name: str
    signature_header: str  # the HTTP header that carries the webhook signature
    test_mode: bool

    @abstractmethod
    def start_checkout(
        self, *, purchase: Purchase, success_url: str, cancel_url: str
    ) -> CheckoutStart:
        """Open the processor's hosted card page for ``purchase``; return where to send the sender."""

    @abstractmethod
    def parse_webhook(self, *, payload: bytes, signature_header: str | None) -> ProviderEvent:
        """Verify the signature and return the event. Raises ``InvalidSignature``."""

    @abstractmethod
    def card_details(self, *, session: dict[str, Any]) -> tuple[str, str]:
        """The card brand and last four digits behind a completed checkout session."""

    @abstractmethod
    def refund(self, *, purchase: Purchase, credits: int, idempotency_key: str) -> str:
        """Give ``credits`` cents back to the card; return the processor's refund id."""


def get_provider(name: str | None = None) -> PaymentProvider:
    """The provider called ``name``, or the configured one (``PAYMENT_PROVIDER``)."""
    name = name or settings.PAYMENT_PROVIDER
    if name == "sandbox":
        from .sandbox import SandboxProvider

        return SandboxProvider()
    if name == "stripe":
        from .stripe import StripeProvider

        return StripeProvider()
    raise ValueError(f"Unknown payment provider {name!r}; use 'sandbox' or 'stripe'.")
