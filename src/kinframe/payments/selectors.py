"""Reads of purchases: limits, refundable credits, a sender's purchase history."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import F, Q, QuerySet, Sum
from django.utils import timezone

from .models import Purchase

DAILY_WINDOW = timedelta(hours=24)
# An unpaid checkout counts against the daily limit for as long as it can still be paid.
OPEN_CHECKOUT_WINDOW = Purchase.CHECKOUT_WINDOW


def purchases_for(*, user) -> QuerySet[Purchase]:
    return Purchase.objects.filter(user=user).order_by("-created_at", "-id")


def open_checkouts_q(*, now) -> Q:
    """Purchases not paid yet whose checkout can still be paid.

    A declined card leaves the purchase FAILED, but the checkout stays payable (Stripe's page lets
    the sender try another card; so does the sandbox's), so a failed purchase counts exactly like
    an unpaid one. Otherwise a declined checkout would free its share of the daily limit, the
    sender could buy the limit again elsewhere and then pay the declined checkout too. Only a
    failure before any checkout was opened (no session: the processor could not be reached) can
    never be paid, and does not count.
    """
    return Q(
        status__in=[Purchase.Status.CREATED, Purchase.Status.FAILED],
        created_at__gte=now - OPEN_CHECKOUT_WINDOW,
    ) & ~Q(status=Purchase.Status.FAILED, provider_reference="")


def credits_bought_recently(*, user, now=None, include_open: bool = True) -> int:
    """Credits paid for in the last 24 hours, plus (``include_open``) those in payable checkouts.

    This is what the daily limit is checked against; ``include_open=False`` gives only what was
    actually paid.
    """
    now = now or timezone.now()
    counted = Q(
        status__in=[Purchase.Status.PAID, Purchase.Status.REFUNDED, Purchase.Status.CHARGED_BACK],
        paid_at__gte=now - DAILY_WINDOW,
    )
    if include_open:
        counted |= open_checkouts_q(now=now)
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
    remaining = (
        refundable_purchases(user=user)
        .order_by()
        .aggregate(total=Sum(F("credits") - F("refunded_credits") - F("charged_back_credits")))[
            "total"
        ]
    )
    return min(balance, remaining or 0)


def sandbox_checkout_for(*, session_id: str, user) -> Purchase | None:
    """The sandbox checkout ``session_id`` if ``user`` opened it (anyone else gets None: a 404)."""
    return Purchase.objects.filter(
        provider="sandbox", provider_reference=session_id, user=user
    ).first()
