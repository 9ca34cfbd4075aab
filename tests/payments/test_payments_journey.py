"""The sender's side: buy credits through the pages, see them on the statement, get clear errors."""

import csv
import io

import pytest
from django.core import mail
from django.urls import reverse
from tests.factories import UserFactory, give_credits
from tests.payments.payment_helpers import (
    DECLINED_CARD,
    GOOD_CARD,
    card_form,
    charged_photo,
    checkout_url,
    open_sandbox_purchase,
    paid_directly,
)

from kinframe.credits.models import LedgerEntry
from kinframe.credits.selectors import balance_of
from kinframe.payments.models import Purchase

pytestmark = pytest.mark.django_db

CREDITS = reverse("sender:credits")


def buy(client, credits: int):
    """Submit the buy form; a pack when ``credits`` is one, a custom amount otherwise."""
    if credits in (500, 1000, 2500, 5000):
        return client.post(CREDITS, {"pack": str(credits)})
    return client.post(CREDITS, {"pack": "custom", "custom_credits": str(credits)})


@pytest.fixture
def signed_in(client, sender):
    client.force_login(sender)
    return client


def test_credits_page_says_test_mode_and_explains_the_limits(signed_in):
    response = signed_in.get(CREDITS)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="test-mode"' in page
    assert "TEST MODE" in page
    assert "$500.00" in page
    assert "$1,000.00" in page
    assert "500 credits" in page
    assert 'data-testid="balance">0<' in page


def test_buy_500_with_the_good_test_card_through_the_pages(
    signed_in, sender, django_capture_on_commit_callbacks
):
    response = buy(signed_in, 500)
    assert response.status_code == 302
    hosted = response["Location"]
    assert hosted.startswith("/payments/sandbox/checkout/cs_sbx_")

    page = signed_in.get(hosted)
    assert page.status_code == 200
    assert "TEST MODE" in page.content.decode()
    assert "Pay $5.00" in page.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        paid = signed_in.post(hosted, card_form(GOOD_CARD))
    assert paid.status_code == 302
    result = signed_in.get(paid["Location"])
    assert 'data-testid="purchase-status">Paid' in result.content.decode()
    assert "500 credits were added" in result.content.decode()

    assert balance_of(sender) == 500
    entry = LedgerEntry.objects.get(wallet__user=sender)
    assert (entry.kind, entry.amount, entry.reference) == (
        "purchase",
        500,
        f"purchase:{entry.purchase_id}",
    )
    statement = signed_in.get(CREDITS).content.decode()
    assert "Bought with Visa ending 4242" in statement
    assert 'data-testid="balance">500<' in statement

    receipt = mail.outbox[-1]
    assert receipt.to == [sender.email]
    assert "500" in receipt.body
    assert "$5.00" in receipt.body
    assert "Visa ending 4242" in receipt.body
    assert receipt.alternatives
    assert "Visa ending 4242" in receipt.alternatives[0][0]


def test_declined_card_shows_the_message_and_adds_no_credits(signed_in, sender):
    hosted = buy(signed_in, 1000)["Location"]
    response = signed_in.post(hosted, card_form(DECLINED_CARD))
    assert response.status_code == 402
    assert "Your card was declined." in response.content.decode()
    assert balance_of(sender) == 0
    purchase = Purchase.objects.get(user=sender)
    assert (purchase.status, purchase.failure_message) == ("failed", "Your card was declined.")
    # The same checkout can still be paid with another card, as on a real processor.
    assert signed_in.post(hosted, card_form(GOOD_CARD)).status_code == 302
    assert balance_of(sender) == 1000


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("4000 0000 0000 9995", "Your card has insufficient funds."),
        ("4000 0000 0000 0069", "Your card has expired."),
        ("4111 1111 1111 1111", "use a test card"),
    ],
)
def test_other_test_cards_decline_with_their_own_message(signed_in, sender, number, message):
    hosted = buy(signed_in, 500)["Location"]
    response = signed_in.post(hosted, card_form(number))
    assert message in response.content.decode()
    assert balance_of(sender) == 0


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        (card_form("4242 4242 4242 4241"), "card_number", "Your card number is incorrect."),
        (card_form("4242"), "card_number", "12 to 19 digits"),
        (card_form(expiry="01 / 20"), "expiry", "in the past"),
        (card_form(expiry="13 / 40"), "expiry", "between 01 and 12"),
        (card_form(cvc="12"), "cvc", "3 or 4 digits"),
    ],
)
def test_hosted_page_field_errors(signed_in, sender, form, field, message):
    hosted = buy(signed_in, 500)["Location"]
    response = signed_in.post(hosted, form)
    assert response.status_code == 400
    page = response.content.decode()
    assert f'data-testid="error-{field}"' in page
    assert message in page
    assert 'value="4242' not in page  # the number is never written back into the page
    assert Purchase.objects.get(user=sender).status == "created"


@pytest.mark.parametrize(
    ("credits", "message"),
    [
        (499, "The smallest purchase is 500 credits ($5.00)."),
        (50_001, "One purchase can be at most 50,000 credits ($500.00)."),
    ],
)
def test_amounts_outside_the_limits_get_a_clear_error(signed_in, sender, credits, message):
    response = buy(signed_in, credits)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Purchase.objects.exists()


def test_the_daily_limit_counts_the_last_24_hours(signed_in, sender):
    paid_directly(sender, 50_000)
    paid_directly(sender, 45_000)
    response = buy(signed_in, 5000)
    assert response.status_code == 302
    response = buy(signed_in, 500)
    assert response.status_code == 400
    page = response.content.decode()
    assert "at most $1,000.00 of credits in 24 hours" in page
    assert "try again tomorrow" in page
    assert Purchase.objects.filter(user=sender).count() == 3


def test_statement_csv_has_running_balances_and_is_injection_safe(signed_in, sender, connection_):
    paid_directly(sender, 1000)
    charged_photo(sender, connection_, price=100)
    give_credits(sender, 50, reference='=HYPERLINK("http://evil")')
    response = signed_in.get(reverse("sender:statement_csv"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["date", "description", "kind", "credits", "balance", "reference"]
    assert [(r[2], r[3], r[4]) for r in rows[1:]] == [
        ("purchase", "1000", "1000"),
        ("photo_charge", "-100", "900"),
        ("adjustment", "50", "950"),
    ]
    assert rows[1][1] == "Bought with Visa ending 4242"
    assert rows[2][1] == f"Photo to {connection_.inmate.full_name}"
    assert rows[3][5].startswith("'=")  # a formula is defused


def test_statement_page_shows_every_entry_with_recipient(signed_in, sender, connection_):
    paid_directly(sender, 500)
    charged_photo(sender, connection_)
    page = signed_in.get(CREDITS).content.decode()
    assert f"Photo to {connection_.inmate.full_name}" in page
    assert page.count('data-testid="entry-') == 2


def test_statement_page_query_count_does_not_grow(
    signed_in, sender, connection_, django_assert_max_num_queries
):
    paid_directly(sender, 5000)
    for _ in range(15):
        charged_photo(sender, connection_)
    with django_assert_max_num_queries(14):
        assert signed_in.get(CREDITS).status_code == 200


# --- Access ------------------------------------------------------------------------------------------


def test_anonymous_is_sent_to_sign_in(client, sender):
    purchase = open_sandbox_purchase(sender)
    for url in [
        CREDITS,
        reverse("sender:statement_csv"),
        reverse("sender:credits_refund"),
        reverse("sender:purchase", kwargs={"purchase_id": purchase.pk}),
        checkout_url(purchase),
    ]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/accounts/login/" in response["Location"]


def test_unverified_sender_is_asked_to_verify(client):
    client.force_login(UserFactory(verified=False))
    response = client.get(CREDITS)
    assert response.status_code == 302
    assert "/accounts/email/" in response["Location"]


def test_other_senders_cannot_see_your_purchase_or_card_page(client, sender, outsider):
    purchase = open_sandbox_purchase(sender)
    client.force_login(outsider)
    assert (
        client.get(reverse("sender:purchase", kwargs={"purchase_id": purchase.pk})).status_code
        == 404
    )
    assert client.get(checkout_url(purchase)).status_code == 404
    assert client.post(checkout_url(purchase), card_form()).status_code == 404
    assert balance_of(sender) == balance_of(outsider) == 0
    assert "Visa" not in client.get(reverse("sender:statement_csv")).content.decode()


def test_owner_sees_their_purchase(signed_in, sender):
    purchase = open_sandbox_purchase(sender)
    response = signed_in.get(reverse("sender:purchase", kwargs={"purchase_id": purchase.pk}))
    assert response.status_code == 200
    assert "Waiting for the card processor" in response.content.decode()
    cancelled = signed_in.get(
        reverse("sender:purchase", kwargs={"purchase_id": purchase.pk}) + "?cancelled=1"
    )
    assert "Nothing was charged" in cancelled.content.decode()


def test_a_paid_checkout_cannot_be_paid_again(signed_in, sender):
    hosted = buy(signed_in, 500)["Location"]
    signed_in.post(hosted, card_form())
    again = signed_in.post(hosted, card_form())
    assert again.status_code == 302
    assert balance_of(sender) == 500
