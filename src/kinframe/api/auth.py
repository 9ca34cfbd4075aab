"""Who is calling (a bearer token of an active ApiClient), what it may do, and how often it may call."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from ninja.errors import HttpError
from ninja.security import HttpBearer
from ninja.throttling import SimpleRateThrottle

from .models import ApiClient
from .services import TOKEN_PREFIX, token_digest

LAST_USED_GRANULARITY = timedelta(minutes=1)  # don't write a row on every request


class ApiClientAuth(HttpBearer):
    """``Authorization: Bearer kf_...``. Unknown, revoked or rotated-out tokens get 401.

    Tokens are looked up by their SHA-256, so no comparison of secrets happens in Python and the
    database never holds a usable token. After a rotation the previous token is accepted until
    its grace period ends.
    """

    def authenticate(self, request, token: str) -> ApiClient | None:
        if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
            return None
        digest, now = token_digest(token), timezone.now()
        client = (
            ApiClient.objects.select_related("agency")
            .filter(
                Q(token_hash=digest)
                | Q(previous_token_hash=digest, previous_token_expires_at__gt=now),
                is_active=True,
            )
            .first()
        )
        if client is None:
            return None
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
        super().__init__(rate or "600/min")
        self.fixed_rate = rate

    def allow_request(self, request) -> bool:
        """The rate is read on each request, so a change of setting applies without a restart."""
        self.rate = self.fixed_rate or getattr(settings, "KINFRAME_API_RATE", "600/min")
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request)

    def get_cache_key(self, request) -> str | None:
        client = getattr(request, "auth", None)
        if not isinstance(client, ApiClient):
            return None
        return self.cache_format % {
            "scope": self.scope,
            "ident": str(client.pk),  # a rotated secret keeps its budget
        }


def client_with_scope(request: HttpRequest, scope: str) -> ApiClient:
    """The calling client, if it may use ``scope``; otherwise 403 naming the scope it lacks."""
    client: ApiClient = request.auth  # type: ignore[attr-defined]
    if not client.has_scope(scope):
        raise HttpError(403, f"This client may not use {scope}; ask the operator to allow it.")
    return client


client_auth = ApiClientAuth()
client_throttle = ApiClientRateThrottle()
