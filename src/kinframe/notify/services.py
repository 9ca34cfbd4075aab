"""Sending email to people, rendered from a pair of templates (text and HTML)."""

from __future__ import annotations

import contextlib
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template import Context, TemplateDoesNotExist
from django.template.backends.django import Template as DjangoTemplate
from django.template.loader import get_template, render_to_string


def send_email(
    *,
    to: str,
    subject: str,
    template: str,
    context: dict[str, Any],
    headers: dict[str, str] | None = None,
) -> None:
    """Render ``notify/email/<template>.txt`` (and ``.html`` if present) and send it.

    Callers inside a transaction should send from ``transaction.on_commit`` so that a rolled-back
    change never emails anybody.
    """
    context = {"site_url": settings.SITE_URL, "site_name": settings.SITE_NAME, **context}
    # Plain text is not HTML: escaping it would turn "facility's" into "facility&#x27;s".
    text_template = get_template(f"notify/email/{template}.txt")
    assert isinstance(text_template, DjangoTemplate), "email templates use the Django engine"
    text = text_template.template.render(Context(context, autoescape=False))
    message = EmailMultiAlternatives(subject=subject, body=text, to=[to], headers=headers)
    with contextlib.suppress(TemplateDoesNotExist):  # the HTML part is optional
        message.attach_alternative(
            render_to_string(f"notify/email/{template}.html", context), "text/html"
        )
    message.send()
