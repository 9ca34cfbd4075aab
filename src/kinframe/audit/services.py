"""Writing the audit trail."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models

from .actors import Actor
from .context import current_origin
from .models import AuditEvent

if TYPE_CHECKING:
    from kinframe.facilities.models import Facility

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
    actor: Actor,
    target: models.Model | None = None,
    facility: Facility | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Record ``action`` (namespaced, e.g. ``photo.rejected``). Call it inside the service's transaction.

    ``actor`` is who acted, as the caller's gate built it; ``target`` is what they acted on. The
    event's facility is ``facility``, else the target's, else the facility a staff actor works at.
    """
    event = AuditEvent(
        action=action,
        data=_mask(data or {}),
        actor_kind=actor.kind,
        actor_label=actor.label[:150],
        actor_user=actor.user,
        actor_inmate=actor.inmate,
    )
    if target is not None:
        event.target_type = target._meta.label_lower
        event.target_id = str(target.pk)
        event.target_label = str(target)[:200]
    if facility is None and target is not None:
        facility = getattr(target, "facility", None)
    event.facility = facility or actor.facility
    origin = current_origin.get()
    event.ip_address = origin.ip_address
    event.user_agent = origin.user_agent
    event.save()
    return event
