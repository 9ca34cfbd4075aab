"""What Kinframe needs from a card processor, whichever one is configured.

Each provider speaks its own protocol at its edge and Kinframe's inside: ``parse_webhook`` checks
the signature, validates the body against the provider's schema and turns it into a
``ProviderNotice`` carrying a ``PaymentOutcome`` (paid, failed, refunded, disputed); the payments
services act on that and never see the provider's event names or JSON. Amounts cross this
boundary as credits (1 credit = 1 cent); each provider turns them into its own format.
"""

from __future__ import annotations

import json
import re
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

from django.conf import settings
from pydantic import Field, StrictInt, StrictStr, StringConstraints, ValidationError

from kinframe.payments.outcomes import ProviderNotice

if TYPE_CHECKING:
    from kinframe.payments.models import Purchase

# A signature older (or newer) than this is refused, so a captured webhook cannot be replayed later.
SIGNATURE_TOLERANCE_SECONDS = 300

# Field types the providers' schemas share. Bounds keep every value storable in any database.
ProviderId = Annotated[StrictStr, StringConstraints(min_length=1, max_length=200)]
Cents = Annotated[StrictInt, Field(ge=0, le=10**12)]
ShortText = Annotated[StrictStr, StringConstraints(max_length=500)]


class InvalidSignature(Exception):
    """The webhook's signature is missing, forged or stale; nothing may be done with it."""


class MalformedEvent(Exception):
    """Correctly signed, but not in the shape the provider documents: refuse it and raise an alert.

    The message names the fields at fault (never their values) and is safe to answer with.
    """

    def __init__(self, message: str, *, event_id: str = "", event_type: str = ""):
        super().__init__(message)
        self.event_id = event_id
        self.event_type = event_type


class ProviderError(Exception):
    """The processor refused or could not be reached; the message is safe to show to a person."""


@dataclass(frozen=True)
class CheckoutStart:
    session_id: str
    url: str
    payment_reference: str = ""


@dataclass(frozen=True)
class ProviderPayment:
    """A paid checkout in the provider's own records, for reconciliation."""

    session_id: str
    purchase_id: int | None
    amount: int | None
    currency: str
    created: datetime


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
    def parse_webhook(self, *, payload: bytes, signature_header: str | None) -> ProviderNotice:
        """Verify, validate and translate a webhook. Raises ``InvalidSignature`` or
        ``MalformedEvent``."""

    @abstractmethod
    def refund(self, *, purchase: Purchase, credits: int, idempotency_key: str) -> str:
        """Give ``credits`` cents back to the card; return the processor's refund id."""

    @abstractmethod
    def paid_records(self, *, since: datetime) -> list[ProviderPayment]:
        """The checkouts the processor says were paid, created since ``since``."""


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


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def load_json_object(payload: bytes) -> dict[str, Any]:
    """Parse a (signed) webhook body into a dict every database can store, or raise
    ``MalformedEvent``: not UTF-8 or JSON, not an object, NaN or Infinity, NUL characters (which
    PostgreSQL's jsonb refuses), lone surrogates, or nesting too deep to parse."""
    try:
        text = payload.decode("utf-8")
        if "\\u0000" in text or "\x00" in text:
            raise ValueError("NUL characters are not allowed")
        body = json.loads(text, parse_constant=_refuse_constant)
        json.dumps(body, ensure_ascii=False).encode("utf-8")  # lone surrogates fail here
    except (ValueError, RecursionError) as exc:
        raise MalformedEvent(f"The body is not valid JSON: {str(exc)[:100]}") from exc
    if not isinstance(body, dict):
        raise MalformedEvent("The body is not a JSON object.")
    return body


def malformed(
    exc: ValidationError, *, where: str = "", event_id: str = "", event_type: str = ""
) -> MalformedEvent:
    """A ``MalformedEvent`` naming up to three fields that failed validation (never the values)."""
    problems = []
    for error in exc.errors(include_input=False)[:3]:
        location = ".".join(str(part) for part in error["loc"])
        problems.append(f"{where}{location}: {error['msg']}")
    what = f"{event_type} event" if event_type else "event"
    return MalformedEvent(
        f"Malformed {what}: " + "; ".join(problems), event_id=event_id, event_type=event_type
    )


_PURCHASE_ID = re.compile(r"[0-9]{1,18}")


def purchase_id_from(*values: str | None, event_id: str = "", event_type: str = "") -> int | None:
    """The purchase named by the ids a provider echoes back (its metadata, a client reference).

    Raises ``MalformedEvent`` if they name two different purchases.
    """
    named = {int(v) for v in values if v and _PURCHASE_ID.fullmatch(v)}
    if len(named) > 1:
        raise MalformedEvent(
            "The event names two different purchases.", event_id=event_id, event_type=event_type
        )
    return named.pop() if named else None
