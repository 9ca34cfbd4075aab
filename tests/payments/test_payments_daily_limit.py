"""The daily purchase limit holds when a declined checkout is paid later."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from tests.actors import as_sender
from tests.payments.payment_helpers import (
    DECLINED_CARD,
    card_form,
    checkout_url,
    open_sandbox_purchase,
    paid_directly,
    paid_event,
)

from kinframe.audit.models import AuditEvent
from kinframe.credits.selectors import balance_of
from kinframe.payments.errors import PurchaseError
from kinframe.payments.models import Purchase
from kinframe.payments.outcomes import provider_actor
from kinframe.payments.providers import sandbox
from kinframe.payments.purchases import purchase_create, purchase_fail

pytestmark = pytest.mark.django_db


@pytest.fixture
def limit_10k(settings):
    settings.CREDITS_DAILY_LIMIT = 10_000
    settings.CREDITS_MAX_PURCHASE = 10_000
    return settings


@pytest.fixture
def signed_in(client, sender):
    client.force_login(sender)
    return client


def declined(client, user, credits: int) -> Purchase:
    purchase = open_sandbox_purchase(user, credits)
    response = client.post(checkout_url(purchase), card_form(DECLINED_CARD))
    assert response.status_code == 402
    purchase.refresh_from_db()
    assert purchase.status == Purchase.Status.FAILED
    return purchase


def buy(client, credits: int):
    return client.post(reverse("sender:credits"), {"pack": "custom", "custom_credits": credits})


def test_a_declined_checkout_still_counts_so_paying_it_later_cannot_pass_the_limit(
    signed_in, sender, limit_10k
):
    first = declined(signed_in, sender, 10_000)

    # The reviewer's scenario: a second purchase of the whole limit is refused at creation...
    with pytest.raises(PurchaseError, match=r"at most \$100\.00 of credits in 24 hours"):
        purchase_create(actor=as_sender(sender), credits=10_000, provider="sandbox")
    response = buy(signed_in, 500)
    assert response.status_code == 400
    page = response.content.decode()
    assert "You can buy 0 more credits now" in page
    assert "This counts 10,000 credits in a checkout you opened in the last half hour" in page
    assert Purchase.objects.filter(user=sender).count() == 1

    # ...and the declined checkout can still be paid with another card, within the limit.
    response = signed_in.post(checkout_url(first), card_form())
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.status == Purchase.Status.PAID
    assert balance_of(sender) == 10_000
    assert buy(signed_in, 500).status_code == 400
    assert not AuditEvent.objects.filter(action="purchase.over_daily_limit").exists()


def test_a_declined_checkout_stops_counting_once_it_can_no_longer_be_paid(
    signed_in, sender, limit_10k
):
    first = declined(signed_in, sender, 10_000)
    Purchase.objects.filter(pk=first.pk).update(created_at=timezone.now() - timedelta(minutes=36))
    assert signed_in.post(checkout_url(first), card_form()).status_code == 410
    second = purchase_create(actor=as_sender(sender), credits=10_000, provider="sandbox")
    assert second.status == Purchase.Status.CREATED
    assert balance_of(sender) == 0


def test_a_purchase_that_failed_before_its_checkout_opened_does_not_count(sender, limit_10k):
    # The processor could not be reached: no card page exists, so it can never be paid.
    unreachable = purchase_create(actor=as_sender(sender), credits=10_000, provider="sandbox")
    purchase_fail(
        actor=provider_actor("sandbox"),
        purchase=unreachable,
        message="The card processor could not be reached.",
    )
    assert (
        purchase_create(actor=as_sender(sender), credits=10_000, provider="sandbox").credits
        == 10_000
    )


def test_a_payment_confirmed_after_its_checkout_stopped_counting_is_granted_and_audited(
    sender, limit_10k
):
    late = open_sandbox_purchase(sender, 5_000)  # paid in time; its webhook is delayed
    Purchase.objects.filter(pk=late.pk).update(created_at=timezone.now() - timedelta(minutes=40))
    paid_directly(sender, 10_000)
    assert sandbox.deliver(paid_event(late)).outcome == "processed"
    # The card was charged, so the credits are granted; an operator is told.
    assert balance_of(sender) == 15_000
    [event] = AuditEvent.objects.filter(action="purchase.over_daily_limit")
    assert event.target_id == str(late.pk)
    assert event.data == {"paid_in_24h": 15_000, "limit": 10_000}
