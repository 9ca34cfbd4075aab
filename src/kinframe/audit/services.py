"""Writing the audit trail."""

from __future__ import annotations

from typing import Any

from django.db import models

from .context import current_origin
from .models import AuditEvent

SECRET_KEYS = ("password", "pin", "secret", "token", "card_number", "cvc", "code")


def _mask(data: dict[str, Any]) -> dict[str, Any]:
    """Never store a secret in the trail, even if a caller passes one by mistake."""
    masked: dict[str, Any] = {}
    for key, value in data.items():
        if any(secret in key.lower() for secret in SECRET_KEYS):
            masked[key] = "***"
        elif isinstance(value, dict):
            masked[key] = _mask(value)
        else:
            masked[key] = value
    return masked


def audit_log(
    action: str,
    *,
    actor: Any = None,
    actor_kind: str | None = None,
    target: models.Model | None = None,
    facility: Any = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Record ``action`` (namespaced, e.g. ``photo.rejected``). Call it inside the service's transaction.

    ``actor`` is a User, an Inmate or None (the system). A user is recorded as an operator if they
    are a superuser and as a sender otherwise, unless the caller says ``actor_kind`` (staff services
    say ``"staff"``, the API says ``"api_client"``).
    """
    from kinframe.facilities.models import Inmate

    event = AuditEvent(action=action, data=_mask(data or {}))
    if actor is None:
        event.actor_kind = actor_kind or AuditEvent.ActorKind.SYSTEM
    elif isinstance(actor, Inmate):
        event.actor_kind = AuditEvent.ActorKind.INMATE
        event.actor_inmate = actor
        event.actor_label = f"#{actor.number}"
    else:
        event.actor_user = actor
        event.actor_label = actor.get_username()
        event.actor_kind = actor_kind or (
            AuditEvent.ActorKind.OPERATOR if actor.is_superuser else AuditEvent.ActorKind.SENDER
        )
    if target is not None:
        event.target_type = target._meta.label_lower
        event.target_id = str(target.pk)
        event.target_label = str(target)[:200]
    if facility is None and target is not None:
        facility = getattr(target, "facility", None)
    event.facility = facility
    origin = current_origin.get()
    event.ip_address = origin.ip_address
    event.user_agent = origin.user_agent
    event.save()
    return event
