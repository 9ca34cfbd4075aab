"""The one order in which payments take locks: the sender's wallet first, the purchase second.

Every payments service locks through ``purchase_lock`` so two services can never wait on each other.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model

from kinframe.credits.services import wallet_lock

from .models import Purchase


def purchase_lock(purchase: Purchase | int) -> Purchase:
    """Lock the purchase's wallet, then the purchase; return the purchase as it now is."""
    pk = purchase.pk if isinstance(purchase, Purchase) else purchase
    user_id = Purchase.objects.values_list("user_id", flat=True).get(pk=pk)
    wallet_lock(get_user_model()(pk=user_id))
    return Purchase.objects.select_for_update().select_related("user").get(pk=pk)
