"""Card payment providers behind one interface: the embedded sandbox and Stripe."""

from .base import (
    CheckoutStart,
    InvalidSignature,
    PaymentProvider,
    ProviderError,
    ProviderEvent,
    get_provider,
)

__all__ = [
    "CheckoutStart",
    "InvalidSignature",
    "PaymentProvider",
    "ProviderError",
    "ProviderEvent",
    "get_provider",
]
