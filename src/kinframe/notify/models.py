"""The outbox: every email and SMS Kinframe sends, kept so operators (and the demo) can read them."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class OutboxMessage(models.Model):
    class Channel(models.TextChoices):
        EMAIL = "email"
        SMS = "sms"

    channel = models.CharField(max_length=8, choices=Channel.choices)
    to = models.CharField(max_length=254, db_index=True)
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.channel} to {self.to}: {self.subject or self.body[:40]}"


class NotificationPreference(models.Model):
    """How a person wants to hear from Kinframe. Receipts and refunds are sent whatever this says
    (they are records of money), by email if there is one, else by SMS."""

    class Channels(models.TextChoices):
        EMAIL = "email", pgettext_lazy("notification channel", "email")
        SMS = "sms", _("text message (SMS)")
        BOTH = "both", _("email and text message")
        NONE = "none", _("only receipts and refunds")

    user = models.OneToOneField(
        "accounts.User", on_delete=models.CASCADE, related_name="notification_preference"
    )
    channels = models.CharField(max_length=8, choices=Channels.choices, default=Channels.EMAIL)
    low_balance = models.BooleanField(
        default=False, help_text=_("Tell me when my balance falls below the price of two photos.")
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.user}: {self.channels}"
