"""Who is calling: a bearer token belonging to an active ApiClient, and how often it may call."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from ninja.security import HttpBearer
from ninja.throttling import SimpleRateThrottle

from .models import ApiClient
from .services import TOKEN_PREFIX, token_digest

LAST_USED_GRANULARITY = timedelta(minutes=1)  # don't write a row on every request


class ApiClientAuth(HttpBearer):
    """``Authorization: Bearer kf_...``. Unknown or switched-off tokens get 401.

    Tokens are looked up by their SHA-256, so no comparison of secrets happens in Python and the
    database never holds a usable token.
    """

    def authenticate(self, request, token: str) -> ApiClient | None:
        if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
            return None
        client = (
            ApiClient.objects.select_related("agency")
            .filter(token_hash=token_digest(token), is_active=True)
            .first()
        )
        if client is None:
            return None
        now = timezone.now()
        if client.last_used_at is None or now - client.last_used_at > LAST_USED_GRANULARITY:
            ApiClient.objects.filter(pk=client.pk).update(last_used_at=now)
            client.last_used_at = now
        return client


class ApiClientRateThrottle(SimpleRateThrottle):
    """Each client gets its own budget (``KINFRAME_API_RATE``, default 600 a minute); 429 beyond it.

    Counted in the default cache, so several web processes share the budget only when they share
    a cache (``CACHE_URL``).
    """

    scope = "api_client"

    def __init__(self, rate: str | None = None):
        super().__init__(rate or getattr(settings, "KINFRAME_API_RATE", "600/min"))

    def get_cache_key(self, request) -> str | None:
        client = getattr(request, "auth", None)
        if not isinstance(client, ApiClient):
            return None
        return self.cache_format % {
            "scope": self.scope,
            "ident": f"{client.pk}-{client.token_prefix}",
        }


client_auth = ApiClientAuth()
client_throttle = ApiClientRateThrottle()
