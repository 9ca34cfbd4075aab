"""Reads of photos shared by pages."""

from __future__ import annotations

from django.db.models import OuterRef, QuerySet, Subquery

from kinframe.credits.models import LedgerEntry

from .models import Photo


def photos_sent_by(*, sender) -> QuerySet[Photo]:
    """A sender's photos, newest first, with recipient, reason and the credits given back.

    ``refunded`` comes from the ledger itself (at most one refund entry per photo), so the history
    says what really happened to the money.
    """
    refund = (
        LedgerEntry.objects.filter(photo=OuterRef("pk"), kind=LedgerEntry.Kind.PHOTO_REFUND)
        .order_by()  # at most one; the model's ordering would sort for nothing
        .values("amount")[:1]
    )
    return (
        Photo.objects.filter(sender=sender)
        .select_related("inmate", "facility", "rejection_reason")
        .annotate(refunded=Subquery(refund))
        .order_by("-created_at", "-id")
    )
