"""Card payment providers behind one interface: the embedded sandbox and Stripe."""

from .base import (
    CheckoutStart,
    InvalidSignature,
    MalformedEvent,
    PaymentProvider,
    ProviderError,
    ProviderPayment,
    get_provider,
)

__all__ = [
    "CheckoutStart",
    "InvalidSignature",
    "MalformedEvent",
    "PaymentProvider",
    "ProviderError",
    "ProviderPayment",
    "get_provider",
]
