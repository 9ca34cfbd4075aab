"""Credits: 1 credit = 1 cent. A wallet's balance changes only through ``credits.services``."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Wallet(models.Model):
    """A sender's credits. ``balance`` always equals the sum of the wallet's ledger entries.

    The balance is kept on the row (rather than summed on every read) so that sending can lock one
    row; ``kinframe check_ledger`` proves the two never drift apart. It goes below zero only when a
    chargeback takes back credits that were already spent.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="wallet"
    )
    balance = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.user}: {self.balance} credits"


class LedgerEntry(models.Model):
    """One append-only change to a wallet. ``reference`` is unique so a retry cannot pay twice."""

    class Kind(models.TextChoices):
        PURCHASE = "purchase", _("credits bought")
        PHOTO_CHARGE = "photo_charge", _("photo sent")
        PHOTO_REFUND = "photo_refund", _("photo refunded")
        PURCHASE_REFUND = "purchase_refund", _("purchase refunded")
        CHARGEBACK = "chargeback", _("card payment disputed")
        ADJUSTMENT = "adjustment", _("adjustment")
        APPEAL_CHARGE = "appeal_charge", _("appeal of a rejection")
        APPEAL_REFUND = "appeal_refund", _("appeal refunded")

    # The sign each kind must carry; adjustments go either way.
    CREDIT_KINDS = (Kind.PURCHASE, Kind.PHOTO_REFUND, Kind.APPEAL_REFUND)
    DEBIT_KINDS = (Kind.PHOTO_CHARGE, Kind.PURCHASE_REFUND, Kind.CHARGEBACK, Kind.APPEAL_CHARGE)

    wallet = models.ForeignKey(Wallet, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    amount = models.BigIntegerField(help_text="Credits; positive adds to the balance")
    balance_after = models.BigIntegerField()
    reference = models.CharField(max_length=100, unique=True)
    photo = models.ForeignKey(
        "photos.Photo",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ledger_entries",
    )
    purchase = models.ForeignKey(
        "payments.Purchase",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ledger_entries",
    )
    memo = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "ledger entries"
        constraints = [
            models.CheckConstraint(condition=~models.Q(amount=0), name="credits_entry_nonzero"),
            models.CheckConstraint(
                condition=~models.Q(
                    kind__in=["purchase", "photo_refund", "appeal_refund"], amount__lt=0
                ),
                name="credits_entry_credit_kinds_positive",
            ),
            models.CheckConstraint(
                condition=~models.Q(
                    kind__in=["photo_charge", "purchase_refund", "chargeback", "appeal_charge"],
                    amount__gt=0,
                ),
                name="credits_entry_debit_kinds_negative",
            ),
        ]
        # The statement's keyset order: a page is a range read, however long the history.
        indexes = [
            models.Index(fields=["wallet", "created_at", "id"], name="credits_statement_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount:+d} ({self.reference})"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise RuntimeError("Ledger entries are append-only and cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("Ledger entries are append-only and cannot be deleted.")
