"""`kinframe reconcile_payments`: paid purchases against the provider's own records."""

import time
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from tests.factories import PurchaseFactory
from tests.payments.payment_helpers import (
    card_form,
    checkout_url,
    open_sandbox_purchase,
    paid_directly,
)

from kinframe.payments.models import Purchase

pytestmark = pytest.mark.django_db


def stripe_session(purchase, *, amount=None, paid=True, created=None) -> dict:
    return {
        "id": purchase.provider_reference,
        "object": "checkout.session",
        "amount_total": purchase.amount_cents if amount is None else amount,
        "currency": "usd",
        "client_reference_id": str(purchase.pk),
        "metadata": {"purchase_id": str(purchase.pk)},
        "payment_status": "paid" if paid else "unpaid",
        "created": created or int(time.time()),
    }


def reconcile(capsys, *args) -> tuple[str, str | None]:
    try:
        call_command("reconcile_payments", *args)
    except CommandError as exc:
        return capsys.readouterr().out, str(exc)
    return capsys.readouterr().out, None


@pytest.fixture
def stripe_mode(settings, fake_stripe):
    settings.PAYMENT_PROVIDER = "stripe"
    return fake_stripe


def test_stripe_differences_of_every_kind_are_reported_and_fail_the_command(
    capsys, sender, stripe_mode
):
    matching = PurchaseFactory(user=sender, provider="stripe", paid=True, credits=1000)
    only_here = PurchaseFactory(user=sender, provider="stripe", paid=True)
    wrong_amount = PurchaseFactory(user=sender, provider="stripe", paid=True)
    only_there = PurchaseFactory(user=sender, provider="stripe")  # its webhook never came
    unpaid = PurchaseFactory(user=sender, provider="stripe")
    stripe_mode.sessions = [
        stripe_session(matching),
        stripe_session(wrong_amount, amount=600),
        stripe_session(only_there),
        stripe_session(unpaid, paid=False),
    ]

    out, error = reconcile(capsys, "--since", "1")

    assert error == "3 difference(s) between Kinframe and stripe in the last 1 day(s)."
    lines = sorted(out.splitlines())
    assert lines == sorted(
        [
            f"paid_here_only: stripe {only_here.provider_reference} (purchase #{only_here.pk}): "
            "500 credits granted; the provider has no payment for it",
            f"amount_mismatch: stripe {wrong_amount.provider_reference} "
            f"(purchase #{wrong_amount.pk}): paid 600 usd there, 500 usd here",
            f"paid_there_only: stripe {only_there.provider_reference} "
            f"(purchase #{only_there.pk}): the provider took 500 usd; no credits were granted",
        ]
    )
    [request] = stripe_mode.requests
    assert (request["method"], request["path"]) == ("GET", "/v1/checkout/sessions")
    assert request["headers"]["Authorization"] == "Bearer sk_test_kinframe"
    since = int(request["form"]["created[gte]"][0])
    assert abs(since - (time.time() - 86400 - 3600)) < 60  # a day back, and an hour of slack


def test_stripe_records_that_agree_pass(capsys, sender, stripe_mode):
    purchase = PurchaseFactory(user=sender, provider="stripe", paid=True)
    old = PurchaseFactory(user=sender, provider="stripe", paid=True)  # before the window
    Purchase.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=3))
    stripe_mode.sessions = [stripe_session(purchase)]
    out, error = reconcile(capsys)
    assert error is None
    assert "Payments OK" in out


def test_stripe_unreachable_is_an_error_not_a_clean_bill(capsys, sender, stripe_mode):
    stripe_mode.fail_with = 500
    _, error = reconcile(capsys)
    assert error is not None
    assert "Stripe's records could not be read" in error


def test_sandbox_compares_with_its_own_charges(capsys, client, sender, settings):
    settings.PAYMENT_PROVIDER = "sandbox"
    client.force_login(sender)
    bought = open_sandbox_purchase(sender, 1000)
    assert client.post(checkout_url(bought), card_form()).status_code == 302
    assert reconcile(capsys)[1] is None

    # Credits granted without the sandbox charging anything (as a forged event would).
    forged = paid_directly(sender, 500)
    out, error = reconcile(capsys)
    assert error == "1 difference(s) between Kinframe and sandbox in the last 2 day(s)."
    assert out.splitlines() == [
        f"paid_here_only: sandbox - (purchase #{forged.pk}): "
        "500 credits granted; the provider has no payment for it"
    ]
