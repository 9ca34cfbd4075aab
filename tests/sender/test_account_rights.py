"""A sender downloads everything held about them, or closes their account without losing money."""

import csv
import io
import json
import zipfile

import pytest
from django.urls import reverse
from tests.factories import PASSWORD, PhotoFactory
from tests.payments.payment_helpers import paid_directly

from kinframe.audit.models import AuditEvent
from kinframe.connections.models import Connection
from kinframe.credits.models import LedgerEntry
from kinframe.credits.selectors import balance_of, ledger_problems
from kinframe.payments.models import Purchase
from kinframe.payments.providers.base import ProviderError
from kinframe.payments.providers.sandbox import SandboxProvider
from kinframe.photos.models import Photo

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, sender):
    client.force_login(sender)
    return client


def read_zip(content: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: archive.read(name).decode() for name in archive.namelist()}


def rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def test_the_download_matches_the_records(signed_in, sender, connection_):
    paid_directly(sender, 1000)
    delivered = PhotoFactory(connection=connection_, charged=True, status=Photo.Status.APPROVED)
    waiting = PhotoFactory(connection=connection_, charged=True)
    response = signed_in.post(reverse("sender:account_download"))
    assert response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"]
    files = read_zip(response.content)

    profile = json.loads(files["profile.json"])
    assert profile["username"] == sender.username
    assert profile["email_addresses"][0]["email"] == sender.email
    assert profile["balance_credits"] == balance_of(sender) == 800

    (connection,) = rows(files["connections.csv"])
    assert connection["inmate_number"] == connection_.inmate.number
    photos = {row["photo"]: row["status"] for row in rows(files["photos.csv"])}
    assert photos == {
        str(delivered.public_id): "approved",
        str(waiting.public_id): "pending_review",
    }
    statement = rows(files["statement.csv"])
    ledger = LedgerEntry.objects.filter(wallet__user=sender).order_by("created_at", "id")
    assert [(int(r["amount"]), r["reference"]) for r in statement] == [
        (e.amount, e.reference) for e in ledger
    ]
    (purchase,) = rows(files["purchases.csv"])
    assert (purchase["credits"], purchase["status"]) == ("1000", "paid")
    assert AuditEvent.objects.filter(action="account.exported", actor_user=sender).exists()


def test_the_close_page_says_what_is_kept_and_for_how_long(signed_in, sender):
    paid_directly(sender, 500)
    html = signed_in.get(reverse("sender:account_data")).content.decode()
    assert 'data-testid="close-refund"' in html
    kept = html.split('data-testid="close-kept"')[1].split("</ul>")[0]
    assert "retention period" in kept
    assert "seven years" in kept


def test_closing_refunds_first_then_ends_everything(signed_in, client, sender, connection_):
    purchase = paid_directly(sender, 1000)
    waiting = PhotoFactory(connection=connection_, charged=True)
    delivered = PhotoFactory(connection=connection_, charged=True, status=Photo.Status.APPROVED)
    response = signed_in.post(reverse("sender:account_close"), {"password": PASSWORD})
    assert response.status_code == 302

    purchase.refresh_from_db()
    # 1000 bought, 200 charged; the waiting photo's 100 comes back when its connection ends, so
    # the card gets 900: everything but the delivered photo.
    assert purchase.refunded_credits == 900
    assert balance_of(sender) == 0
    waiting.refresh_from_db()
    assert waiting.status == Photo.Status.UNDELIVERABLE
    connection_.refresh_from_db()
    assert connection_.status == Connection.Status.ENDED
    sender.refresh_from_db()
    assert (sender.is_active, sender.email, sender.has_usable_password()) == (False, "", False)
    assert Photo.objects.filter(pk=delivered.pk).exists()  # the facility's record stays
    assert ledger_problems() == []
    assert client.login(username=sender.username, password=PASSWORD) is False


def test_a_failed_card_refund_leaves_the_account_open(signed_in, sender, connection_, monkeypatch):
    paid_directly(sender, 500)

    def refused(self, **kwargs):
        raise ProviderError("The card processor is down.")

    monkeypatch.setattr(SandboxProvider, "refund", refused)
    response = signed_in.post(reverse("sender:account_close"), {"password": PASSWORD}, follow=True)
    assert "still open" in response.content.decode()
    sender.refresh_from_db()
    assert sender.is_active
    assert balance_of(sender) == 500
    assert Purchase.objects.get(user=sender).refunded_credits == 0
    connection_.refresh_from_db()
    assert connection_.status == Connection.Status.APPROVED


def test_a_wrong_password_closes_nothing(signed_in, sender):
    response = signed_in.post(reverse("sender:account_close"), {"password": "guess"})
    assert response.status_code == 400
    assert 'data-testid="close-error"' in response.content.decode()
    sender.refresh_from_db()
    assert sender.is_active
