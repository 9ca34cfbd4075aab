"""Webhooks fail safe: a signed but malformed or mismatched event is refused (400), audited, and
changes nothing; the sandbox has no guessable secret."""

import json

import pytest
from django.test import Client
from django.urls import reverse
from tests.factories import PurchaseFactory
from tests.payments.payment_helpers import (
    STRIPE_TEST_SECRET,
    open_sandbox_purchase,
    paid_event,
    stripe_event,
    stripe_signature,
)

from kinframe.audit.models import AuditEvent
from kinframe.credits.selectors import balance_of, ledger_problems
from kinframe.payments.models import PaymentEvent, Purchase
from kinframe.payments.providers import sandbox

pytestmark = pytest.mark.django_db

STRIPE_URL = reverse("payments:webhook_stripe")


@pytest.fixture
def stripe_settings(settings, fake_stripe):
    settings.STRIPE_WEBHOOK_SECRET = STRIPE_TEST_SECRET
    return settings


def post_stripe(payload: bytes):
    # A server error must show as a 500 here, not as an exception in the test.
    return Client(raise_request_exception=False).post(
        STRIPE_URL,
        payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=stripe_signature(payload),
    )


def session(purchase, **overrides) -> dict:
    return {
        "id": purchase.provider_reference,
        "object": "checkout.session",
        "amount_total": purchase.amount_cents,
        "currency": "usd",
        "client_reference_id": str(purchase.pk),
        "metadata": {"purchase_id": str(purchase.pk)},
        "payment_intent": f"pi_for_{purchase.pk}",
        "payment_status": "paid",
        **overrides,
    }


def pay(purchase) -> None:
    payload = stripe_event(
        "checkout.session.completed", session(purchase), f"evt_pay_{purchase.pk}"
    )
    assert post_stripe(payload).status_code == 200
    purchase.refresh_from_db()
    assert purchase.status == Purchase.Status.PAID


def assert_rejected(response, sender, balance: int, events_before: int) -> None:
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]
    assert balance_of(sender) == balance
    assert PaymentEvent.objects.count() == events_before
    assert AuditEvent.objects.filter(action="payment.webhook_rejected").count() == 1
    assert ledger_problems() == []


@pytest.fixture
def stripe_paid(sender, stripe_settings):
    purchase = PurchaseFactory(user=sender, credits=1000, provider="stripe")
    pay(purchase)
    return purchase


@pytest.mark.parametrize(
    ("event_type", "obj"),
    [
        ("charge.refunded", {"amount_refunded": "abc"}),
        ("charge.dispute.created", {"amount": -500}),
        ("charge.refunded", {"amount_refunded": 300, "metadata": "purchase 1"}),
    ],
    ids=["refund-amount-not-a-number", "negative-dispute", "metadata-a-string"],
)
def test_a_signed_malformed_object_is_refused_with_400_and_changes_nothing(
    sender, stripe_paid, event_type, obj, caplog
):
    body = {"id": "ch_1", "object": "charge", "payment_intent": f"pi_for_{stripe_paid.pk}", **obj}
    events = PaymentEvent.objects.count()
    response = post_stripe(stripe_event(event_type, body, "evt_bad"))
    assert_rejected(response, sender, balance=1000, events_before=events)
    stripe_paid.refresh_from_db()
    assert (stripe_paid.status, stripe_paid.refunded_credits) == ("paid", 0)
    assert stripe_paid.charged_back_credits == 0
    assert any(r.levelname == "ERROR" and "evt_bad" in r.getMessage() for r in caplog.records)


def test_a_list_as_the_event_object_is_refused_with_400(sender, stripe_settings):
    purchase = PurchaseFactory(user=sender, credits=1000, provider="stripe")
    payload = json.dumps(
        {"id": "evt_list", "type": "checkout.session.completed", "data": {"object": [1, 2]}}
    ).encode()
    assert_rejected(post_stripe(payload), sender, balance=0, events_before=0)
    assert Purchase.objects.get(pk=purchase.pk).status == "created"


def test_a_session_of_one_purchase_cannot_pay_another(sender, outsider, stripe_settings):
    """Purchase A's checkout was paid; the event names purchase B in its metadata."""
    a = PurchaseFactory(user=outsider, credits=500, provider="stripe")
    b = PurchaseFactory(user=sender, credits=50_000, provider="stripe")
    forged = session(a, metadata={"purchase_id": str(b.pk)}, client_reference_id=str(b.pk))
    forged["amount_total"] = b.amount_cents
    response = post_stripe(stripe_event("checkout.session.completed", forged, "evt_mixed"))
    assert_rejected(response, sender, balance=0, events_before=0)
    assert Purchase.objects.get(pk=b.pk).status == "created"
    [audit] = AuditEvent.objects.filter(action="payment.webhook_rejected")
    assert audit.data["event"] == "evt_mixed"
    # The real event for B's own session still pays B.
    pay(b)
    assert balance_of(sender) == 50_000


def test_a_refund_naming_another_payment_is_refused(sender, stripe_paid):
    body = {
        "id": "ch_1",
        "object": "charge",
        "payment_intent": "pi_someone_else",
        "amount_refunded": 1000,
        "metadata": {"purchase_id": str(stripe_paid.pk)},
    }
    events = PaymentEvent.objects.count()
    response = post_stripe(stripe_event("charge.refunded", body, "evt_other_refund"))
    assert_rejected(response, sender, balance=1000, events_before=events)


# --- The sandbox: its own format, the same checks -------------------------------------------------

SANDBOX_URL = reverse("payments:webhook_sandbox")


def post_sandbox(body: dict, secret: str | None = None):
    payload = json.dumps(body).encode()
    return Client(raise_request_exception=False).post(
        SANDBOX_URL,
        payload,
        content_type="application/json",
        HTTP_KINFRAME_SANDBOX_SIGNATURE=sandbox.sign(payload, secret=secret),
    )


def test_a_malformed_sandbox_event_is_refused_like_a_stripe_one(sender):
    purchase = open_sandbox_purchase(sender, 500)
    body = {**paid_event(purchase), "amount": "500"}
    assert_rejected(post_sandbox(body), sender, balance=0, events_before=0)
    [audit] = AuditEvent.objects.filter(action="payment.webhook_rejected")
    assert "amount" in audit.data["reason"]


def test_a_sandbox_event_with_another_purchases_session_pays_nothing(sender, outsider):
    mine = open_sandbox_purchase(outsider, 500)
    theirs = open_sandbox_purchase(sender, 5000)
    body = {**paid_event(theirs), "session": mine.provider_reference}
    assert_rejected(post_sandbox(body), sender, balance=0, events_before=0)
    assert Purchase.objects.get(pk=theirs.pk).status == "created"


def test_an_event_signed_with_the_public_development_key_is_refused_without_debug(sender, settings):
    """The finding: under `make run` the sandbox secret was SECRET_KEY's public development value,
    and an event forged with it credited 50,000. Even if that value is configured, it is refused."""
    settings.DEBUG = False
    [public] = settings.PAYMENT_PUBLIC_SECRETS
    settings.PAYMENT_SANDBOX_SECRET = public
    purchase = open_sandbox_purchase(sender, 50_000)
    response = post_sandbox(paid_event(purchase), secret=public)
    assert response.status_code == 400
    assert "public development value" in response.json()["error"]
    assert balance_of(sender) == 0
    assert not PaymentEvent.objects.exists()
