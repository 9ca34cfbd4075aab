"""Helpers for payment tests: buying through the sandbox, signed webhooks, photos that cost credits."""

from __future__ import annotations

import json
import time

import stripe
from django.urls import reverse
from tests.actors import as_sender
from tests.factories import PhotoFactory

from kinframe.payments.models import Purchase
from kinframe.payments.outcomes import provider_actor
from kinframe.payments.providers import sandbox
from kinframe.payments.purchases import purchase_checkout, purchase_confirm, purchase_create
from kinframe.photos.models import Photo

GOOD_CARD = "4242 4242 4242 4242"
DECLINED_CARD = "4000 0000 0000 0002"
STRIPE_TEST_SECRET = "whsec_test_kinframe"


def card_form(number: str = GOOD_CARD, expiry: str = "12 / 34", cvc: str = "123") -> dict:
    return {"card_number": number, "expiry": expiry, "cvc": cvc, "name": "Ada Sender"}


def open_sandbox_purchase(user, credits: int = 500) -> Purchase:
    purchase = purchase_create(actor=as_sender(user), credits=credits, provider="sandbox")
    purchase_checkout(
        actor=as_sender(user), purchase=purchase, success_url="/credits/", cancel_url="/credits/"
    )
    purchase.refresh_from_db()
    return purchase


def checkout_url(purchase: Purchase) -> str:
    return reverse("payments:sandbox_checkout", kwargs={"session_id": purchase.provider_reference})


def paid_purchase(user, credits: int = 500, last4: str = "4242") -> Purchase:
    """A sandbox purchase charged by the sandbox and paid through the signed webhook path."""
    purchase = open_sandbox_purchase(user, credits)
    sandbox.record_charge(purchase)
    sandbox.deliver(paid_event(purchase, last4))
    purchase.refresh_from_db()
    assert purchase.status == Purchase.Status.PAID
    return purchase


def paid_directly(user, credits: int = 500) -> Purchase:
    purchase = purchase_create(actor=as_sender(user), credits=credits, provider="sandbox")
    return purchase_confirm(
        actor=provider_actor("sandbox"), purchase=purchase, card_brand="visa", card_last4="4242"
    )


def paid_event(purchase: Purchase, last4: str = "4242") -> dict:
    """The sandbox's callback saying ``purchase`` was paid with a Visa card."""
    return sandbox.paid_event(purchase, sandbox.CardOutcome(True, "visa", last4))


def charged_photo(sender, connection, price: int = 100) -> Photo:
    """A photo waiting for review, paid for, as photo_send leaves it after processing."""
    assert connection.sender == sender
    return PhotoFactory(connection=connection, price=price, charged=True, files=False)


def stripe_event(event_type: str, obj: dict, event_id: str = "evt_test_1") -> bytes:
    return json.dumps(
        {
            "id": event_id,
            "object": "event",
            "type": event_type,
            "api_version": "2024-06-20",
            "created": int(time.time()),
            "livemode": False,
            "data": {"object": obj},
        }
    ).encode()


def stripe_signature(payload: bytes, secret: str = STRIPE_TEST_SECRET, timestamp=None) -> str:
    return stripe.WebhookSignature.generate_signature_header(
        payload.decode(), secret, timestamp=timestamp
    )
