"""Refunds (operator and sender), chargebacks and the debt they can leave behind."""

import pytest
from django.urls import reverse
from tests.actors import SYSTEM, as_operator, as_sender
from tests.factories import UserFactory
from tests.payments.payment_helpers import charged_photo, paid_purchase

from kinframe.audit.models import AuditEvent
from kinframe.credits.models import LedgerEntry
from kinframe.credits.selectors import balance_of, ledger_problems
from kinframe.credits.services import AccountInDebt, InsufficientCredits
from kinframe.payments.chargebacks import purchase_chargeback, sandbox_simulate_chargeback
from kinframe.payments.errors import RefundError
from kinframe.payments.models import Purchase
from kinframe.payments.outcomes import provider_actor
from kinframe.payments.refunds import purchase_refund, purchase_refund_unspent

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(db):
    return UserFactory(username="operator", is_staff=True, is_superuser=True)


def test_operator_refunds_part_then_the_rest(sender, operator):
    purchase = paid_purchase(sender, 1000)
    purchase_refund(purchase=purchase, credits=300, actor=as_operator(operator))
    purchase.refresh_from_db()
    assert (purchase.refunded_credits, purchase.status, balance_of(sender)) == (300, "paid", 700)
    purchase_refund(purchase=purchase, actor=as_operator(operator))
    purchase.refresh_from_db()
    assert (purchase.refunded_credits, purchase.status, balance_of(sender)) == (1000, "refunded", 0)
    assert list(
        LedgerEntry.objects.filter(kind="purchase_refund")
        .values_list("reference", flat=True)
        .order_by("id")
    ) == [
        f"purchase_refund:{purchase.pk}:300",
        f"purchase_refund:{purchase.pk}:1000",
    ]
    with pytest.raises(RefundError, match="already been refunded in full"):
        purchase_refund(purchase=purchase, actor=as_operator(operator))
    assert AuditEvent.objects.filter(action="purchase.refunded", actor_user=operator).count() == 2
    assert ledger_problems() == []


def test_whole_refund_refused_when_credits_were_spent_but_unspent_part_works(
    sender, connection_, operator
):
    purchase = paid_purchase(sender, 500)
    charged_photo(sender, connection_, price=100)
    with pytest.raises(RefundError, match="Only 400 of purchase"):
        purchase_refund(purchase=purchase, actor=as_operator(operator))
    assert balance_of(sender) == 400
    purchase_refund(purchase=purchase, unspent_only=True, actor=as_operator(operator))
    purchase.refresh_from_db()
    assert (purchase.refunded_credits, purchase.status, balance_of(sender)) == (400, "paid", 0)


def test_sender_gets_unspent_credits_back_newest_purchase_first(client, sender, connection_):
    older = paid_purchase(sender, 500)
    newer = paid_purchase(sender, 1000)
    charged_photo(sender, connection_, price=200)
    client.force_login(sender)
    page = client.get(reverse("sender:credits_refund"))
    assert 'data-testid="refundable">1,300<' in page.content.decode()
    response = client.post(reverse("sender:credits_refund"), follow=True)
    assert "1,300 credits ($13.00) are on their way back" in response.content.decode()
    older.refresh_from_db()
    newer.refresh_from_db()
    assert (newer.refunded_credits, newer.status) == (1000, "refunded")
    assert (older.refunded_credits, older.status) == (300, "paid")
    assert balance_of(sender) == 0
    again = client.post(reverse("sender:credits_refund"), follow=True)
    assert "no unspent credits" in again.content.decode()


def test_refund_page_access(client, sender, outsider):
    paid_purchase(sender, 500)
    client.force_login(outsider)
    assert (
        'data-testid="nothing-to-refund"'
        in client.get(reverse("sender:credits_refund")).content.decode()
    )
    client.post(reverse("sender:credits_refund"))
    assert balance_of(sender) == 500


def test_gifted_credits_are_not_refunded_to_a_card(sender):
    from tests.factories import give_credits

    give_credits(sender, 700)
    with pytest.raises(RefundError, match="did not come from a card purchase"):
        purchase_refund_unspent(actor=as_sender(sender))


def test_chargeback_beyond_the_balance_leaves_debt_and_blocks_sending(client, sender, connection_):
    purchase = paid_purchase(sender, 500)
    charged_photo(sender, connection_, price=300)
    result = sandbox_simulate_chargeback(purchase=purchase, actor=SYSTEM)
    assert result.outcome == "processed"
    assert balance_of(sender) == -300
    assert (
        sandbox_simulate_chargeback(purchase=purchase, actor=SYSTEM).outcome == "processed"
    )  # another event id
    assert LedgerEntry.objects.filter(kind="chargeback").count() == 1
    with pytest.raises(AccountInDebt) as caught:
        charged_photo(sender, connection_, price=100)
    assert str(caught.value) == (
        "Your account owes 300 credits after a disputed card payment. "
        "Buy credits to settle it before sending."
    )
    assert isinstance(caught.value, InsufficientCredits)
    client.force_login(sender)
    assert "Your account owes 300 credits" in client.get(reverse("sender:credits")).content.decode()
    with pytest.raises(RefundError):
        purchase_refund(purchase=purchase, actor=SYSTEM)
    paid_purchase(sender, 500)
    assert balance_of(sender) == 200
    charged_photo(sender, connection_, price=100)
    assert balance_of(sender) == 100
    assert ledger_problems() == []


def test_chargeback_after_a_partial_refund_takes_only_the_rest(sender):
    purchase = paid_purchase(sender, 1000)
    purchase_refund(purchase=purchase, credits=400, actor=SYSTEM)
    purchase_chargeback(actor=provider_actor("sandbox"), purchase=purchase, credits=1000)
    purchase.refresh_from_db()
    assert (purchase.charged_back_credits, purchase.status, balance_of(sender)) == (
        600,
        "charged_back",
        0,
    )


def test_admin_actions_refund_and_simulate_chargeback(client, sender, operator):
    purchase = paid_purchase(sender, 1000)
    client.force_login(operator)
    url = reverse("admin:payments_purchase_changelist")
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"action": "refund_unspent", "_selected_action": [purchase.pk]}, follow=True
    )
    assert f"Purchase #{purchase.pk}: unspent credits refunded." in response.content.decode()
    assert balance_of(sender) == 0
    other = paid_purchase(sender, 500)
    response = client.post(
        url, {"action": "simulate_chargeback", "_selected_action": [other.pk]}, follow=True
    )
    assert "chargeback simulated" in response.content.decode()
    assert Purchase.objects.get(pk=other.pk).status == "charged_back"
    response = client.post(
        url, {"action": "refund_whole", "_selected_action": [other.pk]}, follow=True
    )
    assert "only a paid purchase can be refunded" in response.content.decode()
    assert balance_of(sender) == 0


def test_admin_is_for_operators_only(client, sender):
    client.force_login(sender)
    response = client.get(reverse("admin:payments_purchase_changelist"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
