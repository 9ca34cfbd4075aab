"""Refunds across several purchases when the card processor or the database fails part-way."""

import pytest
from django.db import DatabaseError
from django.urls import reverse
from tests.actors import as_sender
from tests.payments.payment_helpers import (
    STRIPE_TEST_SECRET,
    charged_photo,
    paid_directly,
    stripe_event,
    stripe_signature,
)

from kinframe.audit.models import AuditEvent
from kinframe.credits.models import LedgerEntry
from kinframe.credits.selectors import balance_of, ledger_problems
from kinframe.payments import refunds
from kinframe.payments.errors import RefundError, RefundPartlyFailed
from kinframe.payments.models import Purchase
from kinframe.payments.providers import ProviderError
from kinframe.payments.providers.sandbox import SandboxProvider
from kinframe.payments.refunds import purchase_refund_unspent

UNAVAILABLE = "The card processor is unavailable."


class Processor:
    """Wraps the sandbox's refund: records every call and can refuse given purchases."""

    def __init__(self, monkeypatch):
        self.calls: list[tuple[int, int, str]] = []
        self.refuse: set[int] = set()
        real = SandboxProvider.refund
        processor = self

        def refund(self, *, purchase, credits, idempotency_key):
            processor.calls.append((purchase.pk, credits, idempotency_key))
            if purchase.pk in processor.refuse:
                raise ProviderError(UNAVAILABLE)
            return real(self, purchase=purchase, credits=credits, idempotency_key=idempotency_key)

        monkeypatch.setattr(SandboxProvider, "refund", refund)

    def refunded(self) -> list[tuple[int, int]]:
        return [(pk, credits) for pk, credits, _ in self.calls if pk not in self.refuse]


@pytest.fixture
def processor(monkeypatch):
    return Processor(monkeypatch)


def refund_entries() -> list[str]:
    return list(
        LedgerEntry.objects.filter(kind="purchase_refund")
        .order_by("id")
        .values_list("reference", flat=True)
    )


# transaction=True: nothing wraps the test in a transaction, so each purchase's refund really
# commits on its own, as in a request.
@pytest.mark.django_db(transaction=True)
def test_a_later_provider_failure_keeps_the_earlier_refunds_recorded(sender, processor):
    older = paid_directly(sender, 500)
    newer = paid_directly(sender, 500)
    processor.refuse.add(older.pk)  # the second provider call fails (newest is refunded first)

    with pytest.raises(RefundPartlyFailed) as caught:
        purchase_refund_unspent(actor=as_sender(sender))

    # The card got the newer purchase's 500 back; the books say so, and nothing else moved.
    assert processor.refunded() == [(newer.pk, 500)]
    assert balance_of(sender) == 500
    assert refund_entries() == [f"purchase_refund:{newer.pk}:500"]
    newer.refresh_from_db()
    older.refresh_from_db()
    assert (newer.status, newer.refunded_credits) == ("refunded", 500)
    assert (older.status, older.refunded_credits) == ("paid", 0)
    assert caught.value.refunded == [newer]
    assert caught.value.failed == [(older.pk, UNAVAILABLE)]
    assert str(caught.value) == (
        f"500 credits ($5.00) are on their way back to your card (purchase #{newer.pk}). "
        "Card refunds take 5 to 10 days to appear. "
        f"The refund of purchase #{older.pk} failed: {UNAVAILABLE} "
        "The credits not refunded are still in your account; try again later."
    )
    assert ledger_problems() == []


@pytest.mark.django_db
def test_the_sender_is_told_what_was_refunded_and_what_failed_and_can_retry(
    client, sender, processor
):
    oldest = paid_directly(sender, 500)
    middle = paid_directly(sender, 1000)
    newest = paid_directly(sender, 700)
    processor.refuse.add(middle.pk)  # one card cannot be refunded; the others still are
    client.force_login(sender)

    page = client.post(reverse("sender:credits_refund"), follow=True).content.decode()

    assert "1,200 credits ($12.00) are on their way back to your card" in page
    assert f"(purchase #{newest.pk}, #{oldest.pk})" in page
    assert f"The refund of purchase #{middle.pk} failed: {UNAVAILABLE}" in page
    assert "The credits not refunded are still in your account" in page
    assert balance_of(sender) == 1000
    assert processor.refunded() == [(newest.pk, 700), (oldest.pk, 500)]

    processor.refuse.clear()  # the processor is back: asking again refunds the rest
    page = client.post(reverse("sender:credits_refund"), follow=True).content.decode()
    assert "1,000 credits ($10.00) are on their way back to your card" in page
    assert balance_of(sender) == 0
    assert Purchase.objects.filter(user=sender, status="refunded").count() == 3
    assert ledger_problems() == []


@pytest.mark.django_db
def test_when_every_refund_fails_nothing_moves(sender, processor):
    purchase = paid_directly(sender, 500)
    processor.refuse.add(purchase.pk)
    with pytest.raises(RefundError) as caught:
        purchase_refund_unspent(actor=as_sender(sender))
    assert not isinstance(caught.value, RefundPartlyFailed)
    assert str(caught.value) == (
        f"The refund of purchase #{purchase.pk} failed: {UNAVAILABLE} "
        "Nothing was refunded: your credits are still in your account. Try again later."
    )
    assert balance_of(sender) == 500
    assert refund_entries() == []


@pytest.mark.django_db
def test_a_refund_lost_after_the_provider_call_is_the_same_refund_when_retried(
    sender, connection_, processor, monkeypatch
):
    purchase = paid_directly(sender, 1000)
    real_record = refunds._record_refund

    def record_fails(**kwargs):
        raise DatabaseError("connection lost")

    monkeypatch.setattr(refunds, "_record_refund", record_fails)
    with pytest.raises(RefundError, match="could not be completed right now"):
        purchase_refund_unspent(actor=as_sender(sender))
    # The processor refunded, the database did not record it.
    assert balance_of(sender) == 1000
    assert refund_entries() == []

    monkeypatch.setattr(refunds, "_record_refund", real_record)
    charged_photo(sender, connection_, price=100)  # the wallet changes before the retry
    purchase_refund_unspent(actor=as_sender(sender))

    [(_, first_credits, first_key), (_, retry_credits, retry_key)] = processor.calls
    assert (first_credits, retry_credits) == (1000, 900)
    # Same key although the amount differs: the processor answers with the refund it already
    # made (Stripe refuses a key reused with other parameters) instead of refunding again.
    assert first_key == retry_key == f"kinframe-refund-{purchase.pk}-after-0"
    [audit] = AuditEvent.objects.filter(action="purchase.refunded")
    assert audit.data["refund"] == SandboxProvider().refund(
        purchase=purchase, credits=1000, idempotency_key=first_key
    )
    assert balance_of(sender) == 0
    assert ledger_problems() == []


@pytest.mark.django_db
def test_stripe_charge_refunded_records_a_refund_whose_database_write_failed(
    client, sender, settings, fake_stripe, monkeypatch
):
    settings.STRIPE_WEBHOOK_SECRET = STRIPE_TEST_SECRET
    purchase = paid_directly(sender, 1000)
    Purchase.objects.filter(pk=purchase.pk).update(provider="stripe", payment_reference="pi_1")

    def record_fails(**kwargs):
        raise DatabaseError("connection lost")

    monkeypatch.setattr(refunds, "_record_refund", record_fails)
    with pytest.raises(RefundError, match="could not be completed right now"):
        purchase_refund_unspent(actor=as_sender(sender))
    monkeypatch.undo()
    [refund] = [r for r in fake_stripe.requests if r["path"] == "/v1/refunds"]
    assert refund["headers"]["Idempotency-Key"] == f"kinframe-refund-{purchase.pk}-after-0"
    assert balance_of(sender) == 1000  # the card has the money; the books do not know yet

    payload = stripe_event(
        "charge.refunded",
        {
            "id": "ch_1",
            "object": "charge",
            "payment_intent": "pi_1",
            "amount_refunded": 1000,
            "metadata": {"purchase_id": str(purchase.pk)},
        },
        "evt_refunded",
    )
    response = client.post(
        reverse("payments:webhook_stripe"),
        payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=stripe_signature(payload),
    )
    assert response.status_code == 200
    purchase.refresh_from_db()
    assert (purchase.status, purchase.refunded_credits, balance_of(sender)) == ("refunded", 1000, 0)

    with pytest.raises(RefundError, match="no unspent credits"):
        purchase_refund_unspent(actor=as_sender(sender))
    assert len([r for r in fake_stripe.requests if r["path"] == "/v1/refunds"]) == 1
    assert ledger_problems() == []
