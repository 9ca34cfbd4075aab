"""Background work for payments: the receipt, sent once the payment is committed."""

from __future__ import annotations

from django.utils.functional import lazy
from django.utils.translation import ngettext
from django_tasks import task

from kinframe.notify.notices import Notice, notice_send_or_retry

from .limits import credit_count, dollars
from .models import Purchase
from .providers import get_provider


def _receipt_subject(credits: int) -> str:
    return ngettext(
        "Your receipt: %(credits)s Kinframe credit",
        "Your receipt: %(credits)s Kinframe credits",
        credits,
    ) % {"credits": credit_count(credits)}


# Worded when the notice is written, in the sender's language (``notice_send`` overrides it).
receipt_subject = lazy(_receipt_subject, str)


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
        subject=receipt_subject(purchase.credits),
        context={
            "purchase": purchase,
            "amount": dollars(purchase.amount_cents),
            "test_mode": get_provider(purchase.provider).test_mode,
        },
    )
