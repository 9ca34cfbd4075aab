"""50 threads buying, sending and refunding against one wallet on PostgreSQL: the lock holds."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection as default_connection
from django.db import connections, transaction
from tests.actors import SYSTEM
from tests.factories import ConnectionFactory
from tests.payments.payment_helpers import (
    charged_photo,
    open_sandbox_purchase,
    paid_event,
    paid_purchase,
)

from kinframe.credits.models import LedgerEntry
from kinframe.credits.selectors import balance_of, ledger_problems
from kinframe.credits.services import InsufficientCredits
from kinframe.payments.errors import RefundError
from kinframe.payments.models import PaymentEvent, Purchase
from kinframe.payments.providers import sandbox
from kinframe.payments.refunds import purchase_refund
from kinframe.payments.webhooks import webhook_handle

THREADS = 50


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_fifty_threads_never_pay_twice_or_lose_an_update(on_postgres):
    connection = ConnectionFactory()
    sender = connection.sender
    first = paid_purchase(sender, 1000)  # 1000 credits to spend
    second = open_sandbox_purchase(sender, 500)  # paid by 10 racing webhook deliveries
    payload, header = sandbox.signed(paid_event(second))
    other_payload, other_header = sandbox.signed(paid_event(second))  # another event id

    barrier = threading.Barrier(THREADS)

    def work(n: int) -> str:
        try:
            barrier.wait()
            if n < 10:  # the same event replayed 8 times, and a second event id twice
                body, sig = (payload, header) if n < 8 else (other_payload, other_header)
                return webhook_handle(
                    provider="sandbox", payload=body, signature_header=sig
                ).outcome
            if n < 40:  # 30 sends of 100
                try:
                    with transaction.atomic():
                        charged_photo(sender, connection, price=100)
                    return "sent"
                except InsufficientCredits:
                    return "refused"
            try:  # 10 refunds of 100 from the first purchase
                purchase_refund(purchase=first.pk, credits=100, actor=SYSTEM)
                return "refunded"
            except RefundError:
                return "refused"
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        results = list(pool.map(work, range(THREADS)))

    assert results[:10].count("processed") == 2  # two distinct events, one credit between them
    assert results[:8].count("processed") == 1
    sent, refunded = results.count("sent"), results.count("refunded")
    assert LedgerEntry.objects.filter(kind="purchase").count() == 2
    assert LedgerEntry.objects.filter(kind="photo_charge").count() == sent
    assert LedgerEntry.objects.filter(kind="purchase_refund").count() == refunded
    # 1500 credits in; every debit is 100 and none may overdraw, so at most 15 debits succeed.
    assert 10 <= sent + refunded <= 15
    assert balance_of(sender) == 1500 - 100 * (sent + refunded) >= 0
    assert Purchase.objects.get(pk=first.pk).refunded_credits == 100 * refunded
    assert PaymentEvent.objects.filter(purchase=second).count() == 2
    assert ledger_problems() == []
    assert default_connection.vendor == "postgresql"
