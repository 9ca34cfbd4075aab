"""Webhooks to API clients: registering endpoints, turning domain events into signed deliveries,
sending them with retries, and replaying them.

Signed per the Standard Webhooks spec with the ``standardwebhooks`` package: headers
``webhook-id`` (the same on every retry, so receivers can drop duplicates), ``webhook-timestamp``
and ``webhook-signature`` (``v1,<base64 HMAC-SHA256 of id.timestamp.body>``). The body is
``{"type": ..., "timestamp": ..., "data": {...}}``.

The domain publishes events (``kinframe.notify.events``) after commit; ``ApiConfig.ready()``
subscribes ``on_domain_event`` here, which writes one ``WebhookDelivery`` per interested endpoint
and queues ``deliver_webhook`` for each. Each delivery is its own task, so a receiver that is down
delays nobody else's.
"""

from __future__ import annotations

import base64
import ipaddress
import json
import logging
import secrets
import socket
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterable
from datetime import timedelta
from functools import partial
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from kinframe.audit.actors import Actor
from kinframe.audit.services import audit_log
from kinframe.connections.models import Connection
from kinframe.facilities.models import Inmate
from kinframe.notify import events
from kinframe.photos.models import Photo

from .models import ApiClient, Scope, WebhookDelivery, WebhookEndpoint

logger = logging.getLogger(__name__)

EVENT_SCOPES = {
    events.PHOTO_DELIVERED: Scope.PHOTOS_READ,
    events.CONNECTION_REQUESTED: Scope.CONNECTIONS_READ,
    events.INMATE_RELEASED: None,  # any client serving the person's facility
}
USER_AGENT = "Kinframe-Webhooks/1"


class WebhookUrlError(ValueError):
    """The URL cannot receive webhooks; ``str(exc)`` says why."""


def check_url(url: str) -> str:
    """An http(s) URL whose host resolves only to public addresses (private and loopback ones
    only with ``KINFRAME_WEBHOOK_ALLOW_PRIVATE``), so a client cannot aim Kinframe at its own
    network. Checked when registering and again before every send (DNS can change)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise WebhookUrlError("A webhook URL must be an http:// or https:// URL with a host.")
    if settings.KINFRAME_WEBHOOK_ALLOW_PRIVATE:
        return url
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError) as error:
        raise WebhookUrlError(f"The host {parts.hostname!r} cannot be resolved.") from error
    for info in infos:
        if not ipaddress.ip_address(info[4][0]).is_global:
            raise WebhookUrlError("A webhook URL must point at a public address.")
    return url


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


@transaction.atomic
def webhook_endpoint_create(
    *, client: ApiClient, url: str, event_types: Iterable[str], actor: Actor
) -> WebhookEndpoint:
    """Register ``url`` for ``event_types``. The endpoint's ``secret`` is shown to the client now."""
    types = sorted(set(event_types))
    if not types or set(types) - set(WebhookEndpoint.Event.values):
        raise ValueError(
            "Choose one or more of the events: " + ", ".join(WebhookEndpoint.Event.values) + "."
        )
    endpoint = WebhookEndpoint.objects.create(
        client=client, url=check_url(url), events=types, secret=new_secret()
    )
    audit_log(
        "webhook_endpoint.created",
        actor=actor,
        target=endpoint,
        data={"client": client.name, "url": endpoint.url, "events": types},
    )
    return endpoint


@transaction.atomic
def webhook_endpoint_deactivate(*, endpoint: WebhookEndpoint, actor: Actor) -> WebhookEndpoint:
    """Stop sending to this endpoint; its deliveries stay in the log."""
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    if endpoint.is_active:
        endpoint.is_active = False
        endpoint.save(update_fields=["is_active"])
        audit_log("webhook_endpoint.deactivated", actor=actor, target=endpoint)
    return endpoint


# --- From domain events to deliveries --------------------------------------------------------------


def _person(inmate: Inmate) -> dict[str, str]:
    return {"facility": inmate.facility.code, "number": inmate.number}


def event_body(name: str, payload: dict[str, Any]) -> tuple[Inmate, dict[str, Any]] | None:
    """The person the event concerns and the ``data`` vendors receive, or None if it is gone."""
    if name == events.PHOTO_DELIVERED:
        photo = (
            Photo.objects.select_related("inmate__facility").filter(pk=payload["photo_id"]).first()
        )
        if photo is None:
            return None
        return photo.inmate, {
            "person": _person(photo.inmate),
            "photo": {"id": str(photo.public_id), "delivered_at": photo.reviewed_at},
        }
    if name == events.CONNECTION_REQUESTED:
        connection = (
            Connection.objects.select_related("inmate__facility")
            .filter(pk=payload["connection_id"])
            .first()
        )
        if connection is None:
            return None
        return connection.inmate, {
            "person": _person(connection.inmate),
            "connection": {"id": connection.pk, "requested_at": connection.created_at},
        }
    if name == events.INMATE_RELEASED:
        inmate = Inmate.objects.select_related("facility").filter(pk=payload["inmate_id"]).first()
        if inmate is None:
            return None
        return inmate, {"person": _person(inmate)}
    return None


def interested_endpoints(name: str, inmate: Inmate) -> list[WebhookEndpoint]:
    """Active endpoints of active clients that serve the person's facility, asked for ``name``
    and hold the scope the event's data falls under."""
    candidates = WebhookEndpoint.objects.filter(
        is_active=True,
        client__is_active=True,
        client__facilities=inmate.facility_id,
    ).select_related("client")
    scope = EVENT_SCOPES[name]
    return [
        endpoint
        for endpoint in candidates
        if name in endpoint.events and (scope is None or endpoint.client.has_scope(scope))
    ]


def on_domain_event(name: str, payload: dict[str, Any]) -> list[WebhookDelivery]:
    """Subscribed to the domain's events: one delivery per interested endpoint, each queued."""
    found = event_body(name, payload)
    if found is None:
        return []
    inmate, data = found
    body = {"type": name, "timestamp": timezone.now(), "data": data}
    content = json.dumps(body, cls=DjangoJSONEncoder, separators=(",", ":"))
    deliveries = []
    with transaction.atomic():
        for endpoint in interested_endpoints(name, inmate):
            delivery = WebhookDelivery.objects.create(
                endpoint=endpoint,
                event_type=name,
                message_id=f"msg_{uuid.uuid4().hex}",
                payload=content,
            )
            deliveries.append(delivery)
            transaction.on_commit(partial(enqueue_delivery, delivery.pk))
    return deliveries


def subscribe_to_domain_events() -> None:
    for name in EVENT_SCOPES:
        events.subscribe(name, on_domain_event)


# --- Sending -----------------------------------------------------------------------------------------


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff: the base delay after the first failure, doubling after each one."""
    return timedelta(seconds=settings.KINFRAME_WEBHOOK_BACKOFF_SECONDS * 2 ** (attempts - 1))


def enqueue_delivery(delivery_id: int, *, delay: timedelta | None = None) -> None:
    from .tasks import deliver_webhook

    task = deliver_webhook
    if delay is not None and task.get_backend().supports_defer:
        task = task.using(run_after=timezone.now() + delay)
    task.enqueue(delivery_id)


def signed_headers(endpoint: WebhookEndpoint, delivery: WebhookDelivery) -> dict[str, str]:
    now = timezone.now()
    signature = Webhook(endpoint.secret).sign(
        msg_id=delivery.message_id, timestamp=now, data=delivery.payload
    )
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "webhook-id": delivery.message_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signature,
    }


def _post(endpoint: WebhookEndpoint, delivery: WebhookDelivery) -> tuple[int | None, str]:
    """POST once. Returns the status code (None if there was no answer) and what went wrong."""
    try:
        url = check_url(endpoint.url)
    except WebhookUrlError as error:
        return None, str(error)
    request = urllib.request.Request(  # noqa: S310 - check_url allows only http(s)
        url,
        data=delivery.payload.encode(),
        headers=signed_headers(endpoint, delivery),
        method="POST",
    )
    try:
        with urllib.request.urlopen(  # noqa: S310
            request, timeout=settings.KINFRAME_WEBHOOK_TIMEOUT
        ) as response:
            return response.status, ""
    except urllib.error.HTTPError as error:
        return error.code, f"The receiver answered {error.code}."
    except (OSError, ValueError) as error:
        return None, f"No answer: {error}"[:300]


def webhook_deliver(*, delivery_id: int) -> WebhookDelivery | None:
    """Send one pending delivery once. A 2xx answer succeeds it; anything else schedules the next
    attempt after ``retry_delay``, until ``KINFRAME_WEBHOOK_MAX_ATTEMPTS``, then marks it failed.

    The delivery is claimed with a conditional update, so two workers never send it at once.
    """
    now = timezone.now()
    delivery = (
        WebhookDelivery.objects.select_related("endpoint")
        .filter(pk=delivery_id, status=WebhookDelivery.Status.PENDING)
        .first()
    )
    if delivery is None:
        return None
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_id, status=WebhookDelivery.Status.PENDING, attempts=delivery.attempts
    ).update(attempts=F("attempts") + 1, last_attempt_at=now)
    if not claimed:
        return None  # another worker is sending this attempt
    delivery.attempts += 1
    status_code, error = _post(delivery.endpoint, delivery)
    delivery.last_status_code = status_code
    delivery.last_error = error
    if status_code is not None and 200 <= status_code < 300:
        delivery.status = WebhookDelivery.Status.SUCCEEDED
        delivery.next_attempt_at = None
    elif delivery.attempts >= settings.KINFRAME_WEBHOOK_MAX_ATTEMPTS:
        delivery.status = WebhookDelivery.Status.FAILED
        delivery.next_attempt_at = None
        logger.warning("Webhook %s to %s failed for good", delivery.message_id, delivery.endpoint)
    else:
        delivery.next_attempt_at = now + retry_delay(delivery.attempts)
    delivery.save(update_fields=["last_status_code", "last_error", "status", "next_attempt_at"])
    if delivery.status == WebhookDelivery.Status.PENDING:
        enqueue_delivery(delivery.pk, delay=retry_delay(delivery.attempts))
    return delivery


@transaction.atomic
def webhook_delivery_replay(*, delivery: WebhookDelivery, actor: Actor) -> WebhookDelivery:
    """Send a delivery again (same id and body, fresh signature), e.g. after the receiver was
    fixed. Its attempts start over."""
    delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
    delivery.status = WebhookDelivery.Status.PENDING
    delivery.attempts = 0
    delivery.last_attempt_at = None
    delivery.next_attempt_at = None
    delivery.save(update_fields=["status", "attempts", "last_attempt_at", "next_attempt_at"])
    audit_log(
        "webhook_delivery.replayed",
        actor=actor,
        target=delivery,
        data={"message_id": delivery.message_id},
    )
    transaction.on_commit(lambda: enqueue_delivery(delivery.pk))
    return delivery
