"""Background work for payments: the receipt, sent once the payment is committed."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django_tasks import task

from kinframe.notify.notices import Notice, notice_send_or_retry

from .limits import dollars
from .models import Purchase
from .providers import get_provider


@task(queue_name="email")
def send_receipt(purchase_id: int, attempt: int = 1, already_sent: list[str] | None = None) -> None:
    """The receipt goes out whatever the sender chose: it is the record of a card payment."""
    purchase = Purchase.objects.select_related("user").get(pk=purchase_id)
    notice_send_or_retry(
        task=send_receipt,
        task_args=(purchase_id,),
        attempt=attempt,
        already_sent=already_sent or [],
        user=purchase.user,
        notice=Notice.RECEIPT,
        subject=_("Your receipt: %(credits)s Kinframe credits"),
        subject_params={"credits": f"{purchase.credits:,}"},
        context={
            "purchase": purchase,
            "amount": dollars(purchase.amount_cents),
            "test_mode": get_provider(purchase.provider).test_mode,
        },
    )
