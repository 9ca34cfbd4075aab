"""Reads of photos shared by pages."""

from __future__ import annotations

from django.db.models import BigIntegerField, Case, OuterRef, QuerySet, Subquery, When

from kinframe.credits.models import LedgerEntry

from .models import Photo


def photos_sent_by(*, sender) -> QuerySet[Photo]:
    """A sender's photos, newest first, with recipient, reason and the credits given back.

    ``refunded`` comes from the ledger itself (the latest refund entry), so the history says what
    really happened to the money; a rejection a reviewer undid took its refund back, so a photo
    that is no longer in a refunded state shows none.
    """
    # Every refund of a photo is its price (an undone rejection refunds again, the same amount),
    # so any one will do: unordered, it is read from the photo's index with no sort.
    latest_refund = (
        LedgerEntry.objects.filter(photo=OuterRef("pk"), kind=LedgerEntry.Kind.PHOTO_REFUND)
        .order_by()
        .values("amount")[:1]
    )
    refund = Case(
        When(status__in=Photo.REFUNDED_STATUSES, then=Subquery(latest_refund)),
        default=None,
        output_field=BigIntegerField(),
    )
    return (
        Photo.objects.filter(sender=sender)
        .select_related("inmate", "facility", "rejection_reason", "appeal")
        .annotate(refunded=refund)
        .order_by("-created_at", "-id")
    )
