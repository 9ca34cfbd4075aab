"""The foundation: settings, the ledger's invariants, the audit trail and the demo data."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kinframe.audit.actors import SYSTEM
from kinframe.audit.models import AuditEvent
from kinframe.credits.models import LedgerEntry, Wallet
from kinframe.credits.selectors import balance_of, ledger_problems
from kinframe.credits.services import InsufficientCredits, ledger_post
from kinframe.ops.demo import load_demo
from tests.actors import as_sender
from tests.factories import give_credits

pytestmark = pytest.mark.django_db


def test_ledger_posts_move_the_balance_and_record_balance_after(sender):
    give_credits(sender, 500, reference="grant-1")
    entry = ledger_post(
        user=sender, kind=LedgerEntry.Kind.ADJUSTMENT, amount=-120, reference="a-1", actor=SYSTEM
    )
    assert entry.balance_after == 380
    assert balance_of(sender) == 380
    assert ledger_problems() == []


def test_same_reference_twice_pays_once(sender):
    first = give_credits(sender, 500, reference="purchase:7") or LedgerEntry.objects.get()
    again = ledger_post(
        user=sender, kind="adjustment", amount=500, reference="purchase:7", actor=SYSTEM
    )
    assert again.pk == first.pk
    assert balance_of(sender) == 500
    assert LedgerEntry.objects.count() == 1


def test_a_debit_never_takes_the_balance_below_zero(sender):
    give_credits(sender, 50)
    with pytest.raises(InsufficientCredits):
        ledger_post(
            user=sender, kind=LedgerEntry.Kind.ADJUSTMENT, amount=-100, reference="x", actor=SYSTEM
        )
    assert balance_of(sender) == 50
    assert not LedgerEntry.objects.filter(reference="x").exists()


def test_ledger_entries_cannot_be_edited_or_deleted(sender):
    give_credits(sender, 500)
    entry = LedgerEntry.objects.get()
    entry.amount = 5000
    with pytest.raises(RuntimeError):
        entry.save()
    with pytest.raises(RuntimeError):
        entry.delete()


def test_check_ledger_names_a_wallet_that_drifted(sender):
    give_credits(sender, 500)
    call_command("check_ledger")
    Wallet.objects.filter(user=sender).update(
        balance=999
    )  # what a bug outside the service would do
    with pytest.raises(CommandError):
        call_command("check_ledger")
    assert ledger_problems()[0].user == sender.username


def test_ledger_writes_an_audit_event_without_secrets(sender):
    give_credits(sender, 500, reference="grant-audit")
    event = AuditEvent.objects.get(action="credits.adjustment")
    assert event.target_type == "credits.ledgerentry"
    assert event.data["amount"] == 500
    from kinframe.audit.services import audit_log

    masked = audit_log(
        "test.secret", actor=as_sender(sender), data={"pin": "1234", "card_number": "4242"}
    )
    assert masked.data == {"pin": "***", "card_number": "***"}
    with pytest.raises(RuntimeError):
        masked.delete()


def test_demo_data_is_idempotent():
    first = load_demo()
    second = load_demo()
    assert [login.login for login in first] == [login.login for login in second]
    from kinframe.facilities.models import Facility, Inmate

    assert Facility.objects.count() == 2
    assert Inmate.objects.count() == 12
    assert balance_of(Wallet.objects.get(user__username="demo.sender").user) == 1000
    assert ledger_problems() == []
