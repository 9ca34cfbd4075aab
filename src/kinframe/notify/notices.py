"""Telling a person what happened, by the channels they chose.

One function, ``notice_send``, decides the channels (``channels_for``) and sends each notice by
email (text and HTML from ``notify/email/<notice>.*``, with one-click unsubscribe headers) and by
SMS (``notify/sms/<notice>.txt``, short). Callers queue a task after their transaction commits,
and the task calls ``notice_send_or_retry``, so a notice is never sent for a change that rolled
back and a failure to send never rolls the change back; a failed send is tried again later.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta
from enum import StrEnum
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import signing
from django.db import transaction
from django.template import Context
from django.template.backends.django import Template as DjangoTemplate
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import Promise

from kinframe.audit.actors import Actor
from kinframe.audit.services import audit_log
from kinframe.languages import language_of

from .models import NotificationPreference
from .services import send_email
from .sms import SmsError, send_sms

logger = logging.getLogger(__name__)


class Notice(StrEnum):
    CONNECTION_APPROVED = "connection_approved"
    CONNECTION_DECLINED = "connection_declined"
    PHOTO_DELIVERED = "photo_delivered"
    PHOTO_REJECTED = "photo_rejected"
    PHOTO_UNDELIVERABLE = "photo_undeliverable"
    PHOTO_FAILED = "photo_failed"
    RECEIPT = "receipt"
    LOW_BALANCE = "low_balance"


#: Records of money: sent even to someone who chose "none".
REQUIRED = frozenset({Notice.RECEIPT})
#: Sent only to those who asked for them.
OPT_IN = frozenset({Notice.LOW_BALANCE})
UNSUBSCRIBE_SALT = "kinframe.notify.unsubscribe"
#: Delay before retry n (1-based) of a notice that could not be sent.
RETRY_DELAYS = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30))


def preference_for(user) -> NotificationPreference:
    preference, _ = NotificationPreference.objects.get_or_create(user=user)
    return preference


def verified_email(user) -> str:
    address = EmailAddress.objects.filter(user=user, verified=True).order_by("-primary").first()
    return address.email if address else ""


def channels_for(user, notice: Notice) -> list[str]:
    """Where this notice goes. Someone who can be reached only one way is reached that way: a
    sender who signed up with a phone alone gets every notice by SMS."""
    email, phone = verified_email(user), (user.phone if user.phone_verified else "")
    reachable = [channel for channel, ok in (("email", email), ("sms", phone)) if ok]
    if not reachable:
        return []
    preference = preference_for(user)
    if notice in OPT_IN and not getattr(preference, notice.value):
        return []
    chosen = {
        NotificationPreference.Channels.EMAIL: ["email"],
        NotificationPreference.Channels.SMS: ["sms"],
        NotificationPreference.Channels.BOTH: ["email", "sms"],
        NotificationPreference.Channels.NONE: [],
    }[NotificationPreference.Channels(preference.channels)]
    if not chosen and notice not in REQUIRED:
        return []
    channels = [channel for channel in chosen if channel in reachable]
    return channels or reachable[:1]


def unsubscribe_url(user) -> str:
    token = signing.dumps({"user": user.pk}, salt=UNSUBSCRIBE_SALT)
    return settings.SITE_URL + reverse("sender:unsubscribe", kwargs={"token": token})


def unsubscribe_token_user_id(token: str) -> int | None:
    """The user a one-click unsubscribe link names, or None if it was not made by us."""
    try:
        return int(signing.loads(token, salt=UNSUBSCRIBE_SALT)["user"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None


def notice_send(
    *,
    user,
    notice: Notice,
    subject: str | Promise,
    context: dict[str, Any],
    subject_params: dict[str, Any] | None = None,
) -> list[str]:
    """Send ``notice`` now by each channel ``channels_for`` picks; returns those channels.

    Written in the recipient's language (their account's choice), whoever caused it: a reviewer
    working in English rejects a photo, and a family that chose Spanish reads why in Spanish.
    ``subject`` may be lazy (``gettext_lazy``) so that it is translated here, and then filled
    with ``subject_params`` (``"%(name)s accepted your connection request"``): a task holds only
    the lazy text and its values, never words already put in one language.

    Raises ``SmsError`` or an SMTP error when a channel fails, after sending the others, so the
    task can try again; a channel that already went out is not sent twice on that retry.
    """
    with translation.override(language_of(user)):
        text = str(subject) % subject_params if subject_params else str(subject)
        return _notice_send(user=user, notice=notice, subject=text, context=context)


def _notice_send(*, user, notice: Notice, subject: str, context: dict[str, Any]) -> list[str]:
    context = {
        "site_url": settings.SITE_URL,
        "site_name": settings.SITE_NAME,
        "user": user,
        "greeting_name": user.first_name or user.username,
        **context,
    }
    sent, failed = [], None
    for channel in channels_for(user, notice):
        if channel in context.get("already_sent", ()):
            continue
        try:
            if channel == "email":
                url = unsubscribe_url(user)
                send_email(
                    to=verified_email(user),
                    subject=subject,
                    template=notice.value,
                    context={**context, "unsubscribe_url": url},
                    headers={
                        "List-Unsubscribe": f"<{url}>",
                        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                    },
                )
            else:
                body = _render_text(f"notify/sms/{notice.value}.txt", context)
                send_sms(to=user.phone, body=body)
        except (SmsError, OSError) as exc:
            logger.warning("Notice %s to user %s by %s failed: %s", notice, user.pk, channel, exc)
            if getattr(exc, "retryable", True):
                failed = exc
            continue
        sent.append(channel)
    if failed is not None:
        raise NoticeNotSent(sent=sent) from failed
    return sent


def _render_text(name: str, context: dict[str, Any]) -> str:
    """A plain-text template, not HTML-escaped ("facility's", not "facility&#x27;s")."""
    template = get_template(name)
    assert isinstance(template, DjangoTemplate), "notice templates use the Django engine"
    return template.template.render(Context(context, autoescape=False)).strip()


class NoticeNotSent(Exception):
    """A channel failed; ``sent`` lists those that went out, so a retry skips them."""

    def __init__(self, *, sent: list[str]):
        self.sent = sent
        super().__init__(f"sent by {sent or 'nothing'}, a channel failed")


def notice_send_or_retry(
    *,
    task: Any,
    task_args: tuple[Any, ...],
    attempt: int,
    already_sent: Sequence[str],
    user: Any,
    notice: Notice,
    subject: str | Promise,
    context: dict[str, Any],
    subject_params: dict[str, Any] | None = None,
) -> None:
    """``notice_send`` for a task: if a channel fails, queue ``task`` again later with the next
    attempt number and the channels already sent; after ``RETRY_DELAYS`` run out, log and stop."""
    try:
        notice_send(
            user=user,
            notice=notice,
            subject=subject,
            subject_params=subject_params,
            context={**context, "already_sent": tuple(already_sent)},
        )
    except NoticeNotSent as exc:
        if attempt > len(RETRY_DELAYS):
            logger.error("Gave up on notice %s to user %s after %s tries", notice, user.pk, attempt)
            return
        retry = task
        if task.get_backend().supports_defer:
            retry = task.using(run_after=timezone.now() + RETRY_DELAYS[attempt - 1])
        retry.enqueue(*task_args, attempt=attempt + 1, already_sent=[*already_sent, *exc.sent])


@transaction.atomic
def notification_preference_set(
    *, actor: Actor, channels: str, low_balance: bool
) -> NotificationPreference:
    """The person (``actor.user``) chooses how to hear from Kinframe."""
    if actor.user is None:
        raise ValueError("Only a signed-in person has notification settings.")
    NotificationPreference.Channels(channels)  # ValueError for anything else
    preference = preference_for(actor.user)
    preference = NotificationPreference.objects.select_for_update().get(pk=preference.pk)
    changes = {
        field: [getattr(preference, field), value]
        for field, value in (("channels", channels), ("low_balance", low_balance))
        if getattr(preference, field) != value
    }
    if changes:
        for field, (_, value) in changes.items():
            setattr(preference, field, value)
        preference.save(update_fields=[*changes, "updated_at"])
        audit_log("notifications.changed", actor=actor, target=preference, data=changes)
    return preference


def notifications_unsubscribe(*, actor: Actor) -> NotificationPreference:
    """A one-click unsubscribe from an email: no more email, except receipts."""
    preference = preference_for(actor.user)
    channels = {
        NotificationPreference.Channels.BOTH: NotificationPreference.Channels.SMS,
        NotificationPreference.Channels.SMS: NotificationPreference.Channels.SMS,
    }.get(
        NotificationPreference.Channels(preference.channels), NotificationPreference.Channels.NONE
    )
    return notification_preference_set(
        actor=actor, channels=channels, low_balance=preference.low_balance
    )
