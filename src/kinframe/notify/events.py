"""Domain events that other parts of Kinframe may listen to, told only once the change is committed.

The domain announces what happened (``publish_on_commit("photo.delivered", photo_id=...)``) without
knowing who listens; an audience app subscribes in its ``AppConfig.ready()`` (the API sends
vendors' webhooks from here). So the domain never imports an audience, and a rolled-back change
announces nothing.

A listener that fails is logged and does not disturb the request that made the change, nor the
other listeners: the change has already been committed by then.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from functools import partial
from typing import Any

from django.db import transaction

logger = logging.getLogger(__name__)

Listener = Callable[[str, dict[str, Any]], object]  # what it returns is ignored

PHOTO_DELIVERED = "photo.delivered"
CONNECTION_REQUESTED = "connection.requested"
INMATE_RELEASED = "inmate.released"

_listeners: dict[str, list[Listener]] = defaultdict(list)


def subscribe(name: str, listener: Listener) -> None:
    """Call ``listener(name, payload)`` for every ``name`` event. Subscribing twice is harmless."""
    if listener not in _listeners[name]:
        _listeners[name].append(listener)


def unsubscribe(name: str, listener: Listener) -> None:
    if listener in _listeners[name]:
        _listeners[name].remove(listener)


def publish(name: str, payload: dict[str, Any]) -> None:
    """Tell each listener now; one that raises is logged and the others still hear."""
    for listener in list(_listeners[name]):
        try:
            listener(name, payload)
        except Exception:
            logger.exception("Listener %r failed on event %s", listener, name)


def publish_on_commit(name: str, **payload: Any) -> None:
    """Publish once the current transaction commits (at once outside one); never if it rolls back."""
    transaction.on_commit(partial(publish, name, payload))
