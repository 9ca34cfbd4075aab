"""Webhooks: signed, stored once, harmless when replayed, out of order or forged."""

import time
from unittest import mock

import pytest
from django.db import OperationalError
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

from kinframe.credits.models import LedgerEntry
from kinframe.credits.selectors import balance_of, ledger_problems
from kinframe.payments.models import PaymentEvent, Purchase
from kinframe.payments.providers import sandbox

pytestmark = pytest.mark.django_db

STRIPE_URL = reverse("payments:webhook_stripe")
SANDBOX_URL = reverse("payments:webhook_sandbox")


@pytest.fixture
def stripe_settings(settings, fake_stripe):
    settings.STRIPE_WEBHOOK_SECRET = STRIPE_TEST_SECRET
    return settings


@pytest.fixture
def stripe_purchase(sender, stripe_settings):
    return PurchaseFactory(
        user=sender, credits=1000, provider="stripe", provider_reference="cs_test_1"
    )


def completed(purchase, **overrides) -> dict:
    return {
        "id": "cs_test_1",
        "object": "checkout.session",
        "amount_total": purchase.amount_cents,
        "currency": "usd",
        "client_reference_id": str(purchase.pk),
        "metadata": {"purchase_id": str(purchase.pk)},
        "payment_intent": "pi_test_1",
        "payment_status": "paid",
        **overrides,
    }


def post_stripe(payload: bytes, signature: str):
    return Client().post(
        STRIPE_URL, payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature
    )


def test_stripe_webhook_signed_with_the_test_secret_credits_once(sender, stripe_purchase):
    payload = stripe_event("checkout.session.completed", completed(stripe_purchase))
    response = post_stripe(payload, stripe_signature(payload))
    assert response.status_code == 200
    assert response.json()["outcome"] == "processed"
    stripe_purchase.refresh_from_db()
    assert stripe_purchase.status == "paid"
    assert stripe_purchase.payment_reference == "pi_test_1"
    assert stripe_purchase.card_label == "Mastercard ending 4444"  # looked up from Stripe
    assert balance_of(sender) == 1000
    assert PaymentEvent.objects.get().purchase == stripe_purchase


def test_the_same_event_five_times_credits_once(sender, stripe_purchase):
    payload = stripe_event("checkout.session.completed", completed(stripe_purchase))
    outcomes = [post_stripe(payload, stripe_signature(payload)).json()["outcome"] for _ in range(5)]
    assert outcomes == ["processed"] + ["duplicate"] * 4
    assert balance_of(sender) == 1000
    assert LedgerEntry.objects.filter(kind="purchase").count() == 1
    assert PaymentEvent.objects.count() == 1


def test_two_different_events_for_one_payment_credit_once(sender, stripe_purchase):
    for event_id in ("evt_a", "evt_b"):
        payload = stripe_event("checkout.session.completed", completed(stripe_purchase), event_id)
        assert post_stripe(payload, stripe_signature(payload)).status_code == 200
    assert balance_of(sender) == 1000
    assert PaymentEvent.objects.count() == 2


@pytest.mark.parametrize(
    "signature",
    [
        "t=1,v1=deadbeef",
        "",
        "garbage",
    ],
)
def test_wrong_signature_gets_400_and_changes_nothing(sender, stripe_purchase, signature):
    payload = stripe_event("checkout.session.completed", completed(stripe_purchase))
    response = post_stripe(payload, signature)
    assert response.status_code == 400
    assert balance_of(sender) == 0
    assert not PaymentEvent.objects.exists()
    assert Purchase.objects.get().status == "created"


def test_signed_with_another_secret_or_stale_gets_400(sender, stripe_purchase):
    payload = stripe_event("checkout.session.completed", completed(stripe_purchase))
    assert post_stripe(payload, stripe_signature(payload, secret="whsec_other")).status_code == 400
    stale = stripe_signature(payload, timestamp=int(time.time()) - 301)
    assert post_stripe(payload, stale).status_code == 400
    tampered = payload.replace(b'"amount_total": 1000', b'"amount_total": 9000')
    assert post_stripe(tampered, stripe_signature(payload)).status_code == 400
    assert balance_of(sender) == 0
    assert not PaymentEvent.objects.exists()


def test_a_wrong_amount_is_recorded_but_never_credited(sender, stripe_purchase):
    payload = stripe_event("checkout.session.completed", completed(stripe_purchase, amount_total=1))
    assert post_stripe(payload, stripe_signature(payload)).json()["outcome"] == "ignored"
    assert balance_of(sender) == 0


def test_sandbox_purchase_cannot_be_confirmed_by_a_stripe_event(sender, stripe_settings):
    purchase = open_sandbox_purchase(sender)
    payload = stripe_event("checkout.session.completed", completed(purchase))
    assert post_stripe(payload, stripe_signature(payload)).json()["outcome"] == "ignored"
    assert balance_of(sender) == 0


def test_sandbox_webhook_endpoint_uses_the_same_path(sender):
    purchase = open_sandbox_purchase(sender)
    payload, header = sandbox.signed(paid_event(purchase))
    client = Client(enforce_csrf_checks=True)
    forged = client.post(
        SANDBOX_URL,
        payload,
        content_type="application/json",
        HTTP_KINFRAME_SANDBOX_SIGNATURE=sandbox.sign(payload, secret="nope"),
    )
    assert forged.status_code == 400
    assert balance_of(sender) == 0
    stale = sandbox.sign(payload, timestamp=int(time.time()) - 400)
    assert (
        client.post(
            SANDBOX_URL,
            payload,
            content_type="application/json",
            HTTP_KINFRAME_SANDBOX_SIGNATURE=stale,
        ).status_code
        == 400
    )
    for _ in range(3):
        response = client.post(
            SANDBOX_URL,
            payload,
            content_type="application/json",
            HTTP_KINFRAME_SANDBOX_SIGNATURE=header,
        )
        assert response.status_code == 200  # no CSRF token needed on the webhook
    assert balance_of(sender) == 500
    assert Client().get(SANDBOX_URL).status_code == 405


def test_out_of_order_failure_after_payment_changes_nothing(sender, stripe_purchase):
    paid = stripe_event("checkout.session.completed", completed(stripe_purchase), "evt_paid")
    failed = stripe_event(
        "payment_intent.payment_failed",
        {
            "id": "pi_test_1",
            "object": "payment_intent",
            "metadata": {"purchase_id": str(stripe_purchase.pk)},
            "last_payment_error": {"message": "Your card was declined."},
        },
        "evt_failed",
    )
    post_stripe(paid, stripe_signature(paid))
    assert post_stripe(failed, stripe_signature(failed)).status_code == 200
    stripe_purchase.refresh_from_db()
    assert stripe_purchase.status == "paid"
    assert balance_of(sender) == 1000


def test_failure_then_success_ends_paid(sender, stripe_purchase):
    failed = stripe_event(
        "payment_intent.payment_failed",
        {
            "id": "pi_test_1",
            "metadata": {"purchase_id": str(stripe_purchase.pk)},
            "last_payment_error": {"message": "Your card was declined."},
        },
        "evt_failed",
    )
    post_stripe(failed, stripe_signature(failed))
    assert Purchase.objects.get().status == "failed"
    paid = stripe_event("checkout.session.completed", completed(stripe_purchase), "evt_paid")
    post_stripe(paid, stripe_signature(paid))
    assert Purchase.objects.get().status == "paid"
    assert balance_of(sender) == 1000


def test_refund_before_payment_is_answered_503_and_not_kept(sender, stripe_purchase):
    refunded = stripe_event(
        "charge.refunded",
        {
            "id": "ch_1",
            "object": "charge",
            "payment_intent": "pi_test_1",
            "amount_refunded": 1000,
            "metadata": {"purchase_id": str(stripe_purchase.pk)},
        },
        "evt_refund",
    )
    response = post_stripe(refunded, stripe_signature(refunded))
    assert response.status_code == 503
    assert not PaymentEvent.objects.exists()
    paid = stripe_event("checkout.session.completed", completed(stripe_purchase), "evt_paid")
    post_stripe(paid, stripe_signature(paid))
    assert post_stripe(refunded, stripe_signature(refunded)).status_code == 200  # the retry
    assert balance_of(sender) == 0
    assert Purchase.objects.get().status == "refunded"
    assert ledger_problems() == []


def test_stripe_dispute_takes_the_credits_back_once_even_into_debt(
    sender, stripe_purchase, connection_
):
    from tests.payments.payment_helpers import charged_photo

    paid = stripe_event("checkout.session.completed", completed(stripe_purchase), "evt_paid")
    post_stripe(paid, stripe_signature(paid))
    charged_photo(sender, connection_, price=400)
    dispute = stripe_event(
        "charge.dispute.created",
        {
            "id": "dp_1",
            "object": "dispute",
            "amount": 1000,
            "payment_intent": "pi_test_1",
            "charge": "ch_1",
        },
        "evt_dispute",
    )
    for event_id in ("evt_dispute", "evt_dispute_again"):
        payload = dispute.replace(b"evt_dispute", event_id.encode())
        assert post_stripe(payload, stripe_signature(payload)).status_code == 200
    assert balance_of(sender) == -400
    assert LedgerEntry.objects.filter(kind="chargeback").count() == 1
    assert Purchase.objects.get().status == "charged_back"


def test_a_lock_timeout_answers_503_so_the_provider_retries(sender, stripe_purchase):
    payload = stripe_event("checkout.session.completed", completed(stripe_purchase))
    with mock.patch(
        "kinframe.payments.webhooks._webhook_apply",
        side_effect=OperationalError("canceling statement due to lock timeout"),
    ):
        response = post_stripe(payload, stripe_signature(payload))
    assert response.status_code == 503
    assert response["Retry-After"]
    assert balance_of(sender) == 0
    assert not PaymentEvent.objects.exists()
    assert post_stripe(payload, stripe_signature(payload)).status_code == 200
    assert balance_of(sender) == 1000


def test_unknown_event_types_are_stored_and_ignored(stripe_settings):
    payload = stripe_event("customer.created", {"id": "cus_1", "object": "customer"})
    assert post_stripe(payload, stripe_signature(payload)).json()["outcome"] == "ignored"
    assert PaymentEvent.objects.get().event_type == "customer.created"
