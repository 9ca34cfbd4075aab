"""Background work for credits: the low-balance reminder some senders ask for."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from django_tasks import task

from kinframe.notify.notices import Notice, notice_send_or_retry

from .selectors import balance_of


@task(queue_name="email")
def notify_low_balance(
    user_id: int, attempt: int = 1, already_sent: list[str] | None = None
) -> None:
    user = get_user_model().objects.get(pk=user_id)
    notice_send_or_retry(
        task=notify_low_balance,
        task_args=(user_id,),
        attempt=attempt,
        already_sent=already_sent or [],
        user=user,
        notice=Notice.LOW_BALANCE,
        subject=_("Your Kinframe balance is low"),
        context={"balance": balance_of(user)},
    )
