"""The outbox: every email and SMS Kinframe sends, kept so operators (and the demo) can read them."""

from django.db import models


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
