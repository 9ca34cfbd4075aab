"""Random sequences of purchases, sends, reviews, refunds and chargebacks never break the books."""

import pytest
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from tests.actors import SYSTEM, as_sender, as_staff
from tests.factories import ConnectionFactory, StaffFactory
from tests.payments.payment_helpers import charged_photo

from kinframe.credits.models import LedgerEntry
from kinframe.credits.selectors import balance_of, ledger_problems
from kinframe.credits.services import InsufficientCredits
from kinframe.facilities.models import RejectionReason
from kinframe.payments.chargebacks import purchase_chargeback
from kinframe.payments.errors import RefundError
from kinframe.payments.models import Purchase
from kinframe.payments.outcomes import provider_actor
from kinframe.payments.purchases import purchase_confirm, purchase_create
from kinframe.payments.refunds import purchase_refund, purchase_refund_unspent
from kinframe.photos.services import photo_approve, photo_reject

PROCESSOR = provider_actor("sandbox")


class Books(RuleBasedStateMachine):
    """Keeps its own expected balance and compares it with the ledger after every step."""

    def __init__(self):
        super().__init__()
        self.connection = ConnectionFactory()
        self.sender = self.connection.sender
        self.reviewer = StaffFactory(facility=self.connection.inmate.facility)
        self.reason = RejectionReason.objects.get(facility=self.connection.inmate.facility)
        self.expected = 0
        self.purchases: list[int] = []
        self.pending: list = []

    @rule(credits=st.sampled_from([500, 1000, 2500]))
    def buy(self, credits):
        purchase = purchase_create(
            actor=as_sender(self.sender), credits=credits, provider="sandbox"
        )
        card = {"card_brand": "visa", "card_last4": "4242"}
        purchase_confirm(actor=PROCESSOR, purchase=purchase, **card)
        purchase_confirm(actor=PROCESSOR, purchase=purchase, **card)  # a replay
        self.expected += credits
        self.purchases.append(purchase.pk)

    @rule(price=st.sampled_from([100, 300, 700]))
    def send(self, price):
        try:
            with transaction.atomic():
                photo = charged_photo(self.sender, self.connection, price=price)
        except InsufficientCredits:
            assert self.expected < price
            return
        self.expected -= price
        self.pending.append(photo)

    @precondition(lambda self: self.pending)
    @rule(index=st.integers(0, 50))
    def approve(self, index):
        photo_approve(
            photo=self.pending.pop(index % len(self.pending)), actor=as_staff(self.reviewer)
        )

    @precondition(lambda self: self.pending)
    @rule(index=st.integers(0, 50))
    def reject(self, index):
        photo = self.pending.pop(index % len(self.pending))
        photo_reject(photo=photo, actor=as_staff(self.reviewer), reason=self.reason)
        self.expected += photo.price

    @precondition(lambda self: self.purchases)
    @rule(index=st.integers(0, 50), part=st.sampled_from([None, 100, 450]))
    def refund(self, index, part):
        purchase = Purchase.objects.get(pk=self.purchases[index % len(self.purchases)])
        try:
            purchase_refund(
                purchase=purchase, credits=part, unspent_only=part is None, actor=SYSTEM
            )
        except RefundError:
            return
        purchase.refresh_from_db()
        self.expected = balance_of(self.sender) if part is None else self.expected - part

    @rule()
    def refund_unspent(self):
        try:
            purchase_refund_unspent(actor=as_sender(self.sender))
        except RefundError:
            return
        self.expected = balance_of(self.sender)
        assert self.expected >= 0

    @precondition(lambda self: self.purchases)
    @rule(index=st.integers(0, 50))
    def chargeback(self, index):
        purchase = Purchase.objects.get(pk=self.purchases[index % len(self.purchases)])
        already = purchase.charged_back_credits
        try:
            purchase_chargeback(actor=PROCESSOR, purchase=purchase)
        except RefundError:
            return
        purchase.refresh_from_db()
        if not already:
            self.expected -= purchase.charged_back_credits

    @invariant()
    def books_balance(self):
        assert ledger_problems() == []
        assert balance_of(self.sender) == self.expected
        for entry in LedgerEntry.objects.filter(wallet__user=self.sender):
            if entry.balance_after < 0:
                # Only a chargeback takes a wallet below zero; while in debt only credits arrive.
                assert entry.kind == LedgerEntry.Kind.CHARGEBACK or entry.amount > 0, entry
        for purchase in Purchase.objects.filter(user=self.sender):
            assert purchase.refunded_credits + purchase.charged_back_credits <= purchase.credits


@pytest.mark.slow
@pytest.mark.django_db
def test_random_sequences_keep_the_books_balanced():
    run_state_machine_as_test(
        Books,
        settings=settings(
            max_examples=40,
            stateful_step_count=25,
            derandomize=True,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
