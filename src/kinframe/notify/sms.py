"""Sending SMS. ``SMS_BACKEND`` picks ``console`` (print and keep in the outbox) or ``twilio``."""

from __future__ import annotations

import base64
import json
import logging
import urllib.parse
import urllib.request
from typing import Protocol

from django.conf import settings

from .models import OutboxMessage

logger = logging.getLogger(__name__)


class SmsError(Exception):
    pass


class SmsBackend(Protocol):
    def send(self, *, to: str, body: str) -> None: ...


class ConsoleSmsBackend:
    def send(self, *, to: str, body: str) -> None:
        print(f"SMS to {to}: {body}", flush=True)


class TwilioSmsBackend:
    """Twilio's Messages API over plain HTTPS, so no extra dependency is needed."""

    def send(self, *, to: str, body: str) -> None:
        sid = settings.TWILIO_ACCOUNT_SID
        url = f"{settings.TWILIO_API_BASE}/2010-04-01/Accounts/{sid}/Messages.json"
        data = urllib.parse.urlencode(
            {"To": to, "From": settings.TWILIO_FROM_NUMBER, "Body": body}
        ).encode()
        token = base64.b64encode(f"{sid}:{settings.TWILIO_AUTH_TOKEN}".encode()).decode()
        request = urllib.request.Request(  # noqa: S310 - the URL is the configured Twilio API
            url, data=data, headers={"Authorization": f"Basic {token}"}
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                json.load(response)
        except Exception as exc:
            raise SmsError(f"Twilio refused the message: {exc}") from exc


BACKENDS: dict[str, type[SmsBackend]] = {"console": ConsoleSmsBackend, "twilio": TwilioSmsBackend}


def send_sms(*, to: str, body: str) -> None:
    """Send one text message and keep a copy in the outbox."""
    OutboxMessage.objects.create(channel=OutboxMessage.Channel.SMS, to=to, body=body)
    BACKENDS[settings.SMS_BACKEND]().send(to=to, body=body)
