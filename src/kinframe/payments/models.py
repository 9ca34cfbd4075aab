"""Card purchases of credits, and the events that payment providers send about them."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class Purchase(models.Model):
    """Credits bought by card. The price in cents equals the credits (1 credit = 1 cent).

    Card numbers never reach this table: only the brand and last four digits the provider reports.
    """

    class Status(models.TextChoices):
        CREATED = "created", _("Created")
        PAID = "paid", _("Paid")
        FAILED = "failed", _("Failed")
        REFUNDED = "refunded", _("Refunded")
        CHARGED_BACK = "charged_back", _("charged back")

    #: How long an unpaid checkout can still be paid: Stripe's Checkout Session expires after 31
    #: minutes (``providers.stripe.CHECKOUT_EXPIRES_SECONDS``), the sandbox page closes after 30;
    #: a few more for a payment made in time whose webhook arrives late.
    CHECKOUT_WINDOW = timedelta(minutes=35)

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="purchases"
    )
    credits = models.PositiveIntegerField()
    amount_cents = models.PositiveIntegerField()
    currency = models.CharField(max_length=3, default="usd")
    provider = models.CharField(max_length=20)
    provider_reference = models.CharField(
        max_length=200, blank=True, db_index=True, help_text="The provider's checkout session id"
    )
    payment_reference = models.CharField(
        max_length=200,
        blank=True,
        db_index=True,
        help_text="The provider's payment id (Stripe PaymentIntent); refunds and disputes name it",
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.CREATED)
    card_brand = models.CharField(max_length=20, blank=True)
    card_last4 = models.CharField(max_length=4, blank=True)
    failure_message = models.CharField(max_length=200, blank=True)
    refunded_credits = models.PositiveIntegerField(
        default=0, help_text="Credits (= cents) given back to the card so far"
    )
    charged_back_credits = models.PositiveIntegerField(
        default=0, help_text="Credits taken back after the card holder disputed the payment"
    )
    success_url = models.CharField(max_length=500, blank=True)
    cancel_url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    refunded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(credits__gte=500), name="payments_purchase_minimum"
            ),
            models.CheckConstraint(
                condition=models.Q(amount_cents=models.F("credits")),
                name="payments_purchase_price_equals_credits",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    refunded_credits__lte=models.F("credits") - models.F("charged_back_credits")
                ),
                name="payments_purchase_refund_within_credits",
            ),
        ]
        indexes = [
            # The credits page's recent purchases, newest first, without sorting all of them.
            models.Index(fields=["user", "created_at", "id"], name="payments_user_newest_idx"),
            # What is still refundable is summed from this index alone (an index-only scan).
            models.Index(
                fields=["user", "credits", "refunded_credits", "charged_back_credits"],
                condition=models.Q(status__in=["paid", "refunded"]),
                name="payments_refundable_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"Purchase #{self.pk}: {self.credits} credits ({self.status})"

    @property
    def status_for_sender(self) -> str:
        """The status as the sender should read it: an unpaid checkout is waiting for the card
        while it can still be paid, and "not completed" once it cannot (it never becomes paid)."""
        if self.status == self.Status.CREATED:
            if self.created_at and self.created_at < timezone.now() - self.CHECKOUT_WINDOW:
                return gettext("not completed")
            return gettext("waiting for payment")
        return self.get_status_display()

    @property
    def remaining_credits(self) -> int:
        """Credits of this purchase not yet refunded or taken back by a chargeback."""
        return self.credits - self.refunded_credits - self.charged_back_credits

    @property
    def card_label(self) -> str:
        if not self.card_last4:
            return self.card_brand.title() or gettext("Card")
        brand = self.card_brand.title() if self.card_brand else gettext("Card")
        return gettext("%(brand)s ending %(last4)s") % {"brand": brand, "last4": self.card_last4}


class PaymentEvent(models.Model):
    """A provider's event, stored once under its id before Kinframe acts on it."""

    provider = models.CharField(max_length=20)
    event_id = models.CharField(max_length=200)
    event_type = models.CharField(max_length=100)
    payload = models.JSONField(default=dict)
    purchase = models.ForeignKey(
        Purchase, null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "event_id"], name="payments_event_once")
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.event_type} {self.event_id}"


class SandboxCharge(models.Model):
    """The sandbox processor's own record of a card it charged, as a real processor keeps one.

    Written by the sandbox's card page before it reports the payment to Kinframe, and read only by
    reconciliation (``kinframe reconcile_payments``), which compares it with the purchases paid:
    a purchase paid without a charge here came from an event the sandbox never sent.
    """

    session_id = models.CharField(max_length=200, unique=True)
    purchase_id = models.PositiveBigIntegerField(help_text="The purchase named at checkout")
    amount_cents = models.PositiveIntegerField()
    currency = models.CharField(max_length=3, default="usd")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"Sandbox charge {self.session_id}: {self.amount_cents} cents"
