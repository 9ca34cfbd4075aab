"""Reading codes the way a sender would: from the email or text message they received."""

from __future__ import annotations

import re

from django.core import mail

from kinframe.notify.models import OutboxMessage

PASSWORD = "a long family passphrase 42"
PHONE = "+14155552671"


def latest_email(to: str) -> str:
    """Tests swap the email backend for Django's locmem one, so emails are in ``mail.outbox``."""
    bodies = [m.body for m in mail.outbox if to in m.to]
    assert bodies, f"no email was sent to {to}"
    return bodies[-1]


def latest_sms(to: str) -> str:
    message = OutboxMessage.objects.filter(channel=OutboxMessage.Channel.SMS, to=to).first()
    assert message is not None, f"no text was sent to {to}"
    return message.body


def latest_code(to: str, channel: str = OutboxMessage.Channel.EMAIL) -> str:
    body = latest_sms(to) if channel == OutboxMessage.Channel.SMS else latest_email(to)
    match = re.search(r"code:? ([A-Z0-9-]{4,})", body)
    assert match, body
    return match.group(1)


def signup(client, *, username="mara", email="", phone="", password=PASSWORD):
    return client.post(
        "/accounts/signup/",
        {
            "username": username,
            "email": email,
            "phone": phone,
            "password1": password,
            "password2": password,
        },
    )
