"""The ledger: the only code that changes a wallet's balance.

Every change appends a ``LedgerEntry`` under a lock on the wallet row, with a reference that is
unique per cause (``purchase:42``, ``photo_charge:17``, ``photo_refund:17``). Posting the same
reference twice returns the first entry, so a retried task or a replayed webhook never pays twice.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import ngettext

from kinframe.audit.actors import Actor
from kinframe.audit.services import audit_log

from .models import LedgerEntry, Wallet


class InsufficientCredits(Exception):
    """The wallet cannot pay; nothing was written."""

    def __init__(self, *, balance: int, needed: int):
        self.balance = balance
        self.needed = needed
        super().__init__(
            ngettext(
                "You need %(needed)s credit but have %(balance)s. Buy credits to continue.",
                "You need %(needed)s credits but have %(balance)s. Buy credits to continue.",
                needed,
            )
            % {"needed": needed, "balance": balance}
        )


class AccountInDebt(InsufficientCredits):
    """A chargeback left the wallet below zero; sending waits until a purchase settles it."""

    def __init__(self, *, balance: int, needed: int):
        self.balance = balance
        self.needed = needed
        Exception.__init__(
            self,
            ngettext(
                "Your account owes %(debt)s credit after a disputed card payment. "
                "Buy credits to settle it before sending.",
                "Your account owes %(debt)s credits after a disputed card payment. "
                "Buy credits to settle it before sending.",
                -balance,
            )
            % {"debt": -balance},
        )


def wallet_for(user) -> Wallet:
    wallet, _ = Wallet.objects.get_or_create(user=user)
    return wallet


@transaction.atomic
def ledger_post(
    *,
    user,
    kind: str,
    amount: int,
    reference: str,
    photo=None,
    purchase=None,
    memo: str = "",
    allow_debt: bool = False,
    actor: Actor,
) -> LedgerEntry:
    """Append one entry and move the balance with it.

    A debit that would take the balance below zero raises ``InsufficientCredits`` unless
    ``allow_debt`` (a chargeback: the card network has already taken the money back).
    """
    if not isinstance(amount, int) or isinstance(amount, bool) or amount == 0:
        raise ValueError("A ledger amount is a non-zero whole number of credits.")
    wallet_for(user)  # outside the lock: creates the row on first use
    wallet = Wallet.objects.select_for_update().get(user=user)
    existing = LedgerEntry.objects.filter(reference=reference).first()
    if existing is not None:
        if existing.wallet_id != wallet.pk or existing.amount != amount:
            raise ValueError(f"Ledger reference {reference!r} is already used for another entry.")
        return existing
    new_balance = wallet.balance + amount
    if amount < 0 and new_balance < 0 and not allow_debt:
        raise InsufficientCredits(balance=wallet.balance, needed=-amount)
    entry = LedgerEntry.objects.create(
        wallet=wallet,
        kind=kind,
        amount=amount,
        balance_after=new_balance,
        reference=reference,
        photo=photo,
        purchase=purchase,
        memo=memo,
    )
    wallet.balance = new_balance
    wallet.save(update_fields=["balance", "updated_at"])
    audit_log(
        f"credits.{kind}",
        actor=actor,
        target=entry,
        data={"amount": amount, "balance_after": new_balance, "reference": reference},
    )
    return entry


def wallet_lock(user) -> Wallet:
    """Lock the user's wallet row for the rest of the transaction (creating it on first use).

    Services that touch a purchase lock the wallet first and the purchase second, always in that
    order, so two of them can never wait on each other.
    """
    wallet_for(user)
    return Wallet.objects.select_for_update().get(user=user)


@transaction.atomic
def credits_charge_photo(*, photo) -> LedgerEntry:
    """Take a photo's price from its sender.

    Raises ``AccountInDebt`` while a chargeback has left the balance below zero, otherwise
    ``InsufficientCredits`` when the balance cannot pay.
    """
    wallet = wallet_lock(photo.sender)
    if (
        wallet.balance < 0
        and not LedgerEntry.objects.filter(reference=f"photo_charge:{photo.pk}").exists()
    ):
        raise AccountInDebt(balance=wallet.balance, needed=photo.price)
    before = wallet.balance
    entry = ledger_post(
        user=photo.sender,
        kind=LedgerEntry.Kind.PHOTO_CHARGE,
        amount=-photo.price,
        reference=f"photo_charge:{photo.pk}",
        photo=photo,
        actor=Actor.sender(photo.sender),
    )
    low = LOW_BALANCE_PHOTOS * photo.price
    if entry.balance_after < low <= before:
        _remind_low_balance(photo.sender)
    return entry


#: A balance below this many photos' price is "low" for the reminder a sender may ask for.
LOW_BALANCE_PHOTOS = 2


def _remind_low_balance(user) -> None:
    """Queue the reminder once the charge commits, if the sender asked for it."""
    from kinframe.notify.models import NotificationPreference

    from .tasks import notify_low_balance

    if NotificationPreference.objects.filter(user=user, low_balance=True).exists():
        transaction.on_commit(lambda: notify_low_balance.enqueue(user.pk))


def _undo_charges(photo) -> int:
    """How many rejections of ``photo`` were undone (each re-charged under its own reference)."""
    return LedgerEntry.objects.filter(
        photo=photo, reference__startswith=f"photo_charge:{photo.pk}:undo:"
    ).count()


def credits_refund_photo(*, photo, actor: Actor) -> LedgerEntry:
    """Give a photo's price back. The reference makes it happen at most once per photo.

    After a reviewer undid a rejection (``credits_recharge_photo``), the photo is charged again, so
    its next refund needs a reference of its own: ``photo_refund:<id>:after_undo:<n>``.
    """
    undone = _undo_charges(photo)
    suffix = f":after_undo:{undone}" if undone else ""
    return ledger_post(
        user=photo.sender,
        kind=LedgerEntry.Kind.PHOTO_REFUND,
        amount=photo.price,
        reference=f"photo_refund:{photo.pk}{suffix}",
        photo=photo,
        actor=actor,
    )


@transaction.atomic
def credits_recharge_photo(*, photo, actor: Actor) -> LedgerEntry:
    """Take back the refund of a rejection that the reviewer undid: a new charge, never a deletion.

    The n-th undo is ``photo_charge:<id>:undo:<n>``. Raises ``InsufficientCredits`` when the sender
    has spent the refund meanwhile (the rejection then stands); never takes a balance below zero.
    """
    wallet_lock(photo.sender)
    refunds = LedgerEntry.objects.filter(photo=photo, kind=LedgerEntry.Kind.PHOTO_REFUND).count()
    undone = _undo_charges(photo)
    if refunds != undone + 1:
        raise ValueError("This photo has no refund left to take back.")
    return ledger_post(
        user=photo.sender,
        kind=LedgerEntry.Kind.PHOTO_CHARGE,
        amount=-photo.price,
        reference=f"photo_charge:{photo.pk}:undo:{undone + 1}",
        photo=photo,
        memo="A reviewer undid the rejection",
        actor=actor,
    )
