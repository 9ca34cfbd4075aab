"""Sending SMS. ``SMS_BACKEND`` picks ``console`` (print and keep in the outbox) or ``twilio``."""

from __future__ import annotations

import logging
from typing import Protocol

from django.conf import settings

from .models import OutboxMessage

logger = logging.getLogger(__name__)


class SmsError(Exception):
    """The text was not sent. ``retryable`` says whether trying again later may work (the carrier
    or Twilio was busy or down) or not (a number that cannot receive texts)."""

    def __init__(self, message: str, *, retryable: bool = True):
        super().__init__(message)
        self.retryable = retryable


class SmsBackend(Protocol):
    def send(self, *, to: str, body: str) -> None: ...


class ConsoleSmsBackend:
    def send(self, *, to: str, body: str) -> None:
        print(f"SMS to {to}: {body}", flush=True)


#: Twilio answers these when the request itself is wrong for good (bad or unreachable number,
#: opted out); anything else, and every 429 or 5xx, may work later.
TWILIO_PERMANENT_CODES = frozenset({21211, 21214, 21408, 21610, 21612, 21614})


class TwilioSmsBackend:
    """Twilio's Messages API through the official ``twilio`` package."""

    def send(self, *, to: str, body: str) -> None:
        from twilio.base.exceptions import TwilioException, TwilioRestException
        from twilio.rest import Client

        client = Client(settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN)
        client.api.base_url = settings.TWILIO_API_BASE  # tests point it at a local stand-in
        try:
            client.messages.create(to=to, from_=settings.TWILIO_FROM_NUMBER, body=body)
        except TwilioRestException as exc:
            permanent = exc.code in TWILIO_PERMANENT_CODES or (
                400 <= exc.status < 500 and exc.status != 429
            )
            raise SmsError(
                f"Twilio refused the message: {exc.msg}", retryable=not permanent
            ) from exc
        except (TwilioException, OSError) as exc:
            raise SmsError(f"Twilio could not be reached: {exc}") from exc


BACKENDS: dict[str, type[SmsBackend]] = {"console": ConsoleSmsBackend, "twilio": TwilioSmsBackend}


def send_sms(*, to: str, body: str) -> None:
    """Send one text message and keep a copy in the outbox."""
    OutboxMessage.objects.create(channel=OutboxMessage.Channel.SMS, to=to, body=body)
    BACKENDS[settings.SMS_BACKEND]().send(to=to, body=body)
