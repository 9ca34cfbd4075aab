"""What the payments services refuse, and how a webhook's sender is answered."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import Purchase


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
    """Forged, stale, malformed or about another payment: answer 400 and change nothing."""


class WebhookRetryLater(Exception):
    """A lock was busy, or the event arrived before the payment it is about: answer 503."""
