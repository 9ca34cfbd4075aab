"""Background work for the API: sending webhooks to clients."""

from __future__ import annotations

from django_tasks import task


@task(queue_name="default")
def deliver_webhook(delivery_id: int) -> None:
    """Send one webhook delivery (see ``webhooks.webhook_deliver``: retries queue themselves)."""
    from .webhooks import webhook_deliver

    webhook_deliver(delivery_id=delivery_id)
