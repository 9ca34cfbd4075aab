"""What Kinframe asks of Stripe, checked against a local stand-in for the Stripe API."""

import pytest
from django.urls import reverse
from tests.actors import SYSTEM
from tests.payments.payment_helpers import paid_directly

from kinframe.credits.selectors import balance_of
from kinframe.payments.errors import RefundError
from kinframe.payments.models import Purchase
from kinframe.payments.refunds import purchase_refund

pytestmark = pytest.mark.django_db


@pytest.fixture
def stripe_mode(settings, fake_stripe):
    settings.PAYMENT_PROVIDER = "stripe"
    settings.SITE_URL = "https://kinframe.example"
    return fake_stripe


def test_checkout_session_request_carries_amount_currency_metadata_and_urls(
    client, sender, stripe_mode
):
    client.force_login(sender)
    response = client.post(reverse("sender:credits"), {"pack": "2500"})
    assert response.status_code == 302
    assert response["Location"] == "https://checkout.stripe.test/c/pay/cs_test_fake"

    purchase = Purchase.objects.get(user=sender)
    [request] = stripe_mode.requests
    assert request["method"] == "POST"
    assert request["path"] == "/v1/checkout/sessions"
    assert request["headers"]["Authorization"] == "Bearer sk_test_kinframe"
    assert request["headers"]["Idempotency-Key"] == f"kinframe-checkout-{purchase.pk}"
    form = {key: values[0] for key, values in request["form"].items()}
    assert form["mode"] == "payment"
    assert form["line_items[0][price_data][unit_amount]"] == "2500"
    assert form["line_items[0][price_data][currency]"] == "usd"
    assert form["line_items[0][quantity]"] == "1"
    assert form["metadata[purchase_id]"] == str(purchase.pk)
    assert form["client_reference_id"] == str(purchase.pk)
    detail = f"https://kinframe.example/credits/purchases/{purchase.pk}/"
    assert form["success_url"] == detail
    assert form["cancel_url"] == f"{detail}?cancelled=1"
    assert purchase.provider_reference == "cs_test_fake"
    # The browser coming back proves nothing: no credits until the signed webhook.
    client.get(reverse("sender:purchase", kwargs={"purchase_id": purchase.pk}))
    assert balance_of(sender) == 0
    assert Purchase.objects.get().status == "created"


def test_stripe_down_gives_a_clear_error_and_no_purchase_left_open(client, sender, stripe_mode):
    stripe_mode.fail_with = 500
    client.force_login(sender)
    response = client.post(reverse("sender:credits"), {"pack": "500"})
    assert response.status_code == 400
    assert "could not be reached. Nothing was charged" in response.content.decode()
    assert Purchase.objects.get().status == "failed"


def test_refund_calls_the_stripe_refunds_api(sender, stripe_mode):
    purchase = paid_directly(sender, 1000)
    Purchase.objects.filter(pk=purchase.pk).update(provider="stripe", payment_reference="pi_123")
    purchase_refund(purchase=purchase.pk, credits=300, actor=SYSTEM)
    [request] = [r for r in stripe_mode.requests if r["path"] == "/v1/refunds"]
    assert request["form"]["payment_intent"] == ["pi_123"]
    assert request["form"]["amount"] == ["300"]
    # Named by the refunded total before the refund, not its amount: a retry is the same refund.
    assert request["headers"]["Idempotency-Key"] == f"kinframe-refund-{purchase.pk}-after-0"
    assert balance_of(sender) == 700
    assert Purchase.objects.get().refunded_credits == 300


def test_a_refused_stripe_refund_moves_no_credits(sender, stripe_mode):
    purchase = paid_directly(sender, 1000)
    Purchase.objects.filter(pk=purchase.pk).update(provider="stripe", payment_reference="pi_123")
    stripe_mode.fail_with = 400
    with pytest.raises(RefundError):
        purchase_refund(purchase=purchase.pk, actor=SYSTEM)
    assert balance_of(sender) == 1000
    assert Purchase.objects.get().refunded_credits == 0
