"""Reads of purchases: limits, refundable credits, a sender's purchase history."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import F, Q, QuerySet, Sum
from django.utils import timezone

from .models import Purchase

DAILY_WINDOW = timedelta(hours=24)
# An unpaid checkout counts against the daily limit only while it can still be paid.
OPEN_CHECKOUT_WINDOW = timedelta(minutes=35)


def purchases_for(*, user) -> QuerySet[Purchase]:
    return Purchase.objects.filter(user=user).order_by("-created_at", "-id")


def credits_bought_recently(*, user, now=None) -> int:
    """Credits paid for (or in an open checkout) in the last 24 hours, for the daily limit."""
    now = now or timezone.now()
    counted = Q(
        status__in=[Purchase.Status.PAID, Purchase.Status.REFUNDED, Purchase.Status.CHARGED_BACK],
        paid_at__gte=now - DAILY_WINDOW,
    ) | Q(status=Purchase.Status.CREATED, created_at__gte=now - OPEN_CHECKOUT_WINDOW)
    total = Purchase.objects.filter(counted, user=user).aggregate(total=Sum("credits"))["total"]
    return total or 0


def refundable_purchases(*, user) -> QuerySet[Purchase]:
    """Paid purchases with credits not yet refunded, newest first (refunds take from these first)."""
    return (
        Purchase.objects.filter(
            user=user, status__in=[Purchase.Status.PAID, Purchase.Status.REFUNDED]
        )
        .exclude(refunded_credits__gte=F("credits") - F("charged_back_credits"))
        .order_by("-paid_at", "-id")
    )


def unspent_refundable_credits(*, user, balance: int) -> int:
    """How many credits a sender may ask back: unspent, and bought by card (not refunds or gifts)."""
    if balance <= 0:
        return 0
    remaining = sum(p.remaining_credits for p in refundable_purchases(user=user))
    return min(balance, remaining)
