"""Writes the API app owns: its clients' credentials and access, and roster writes that say which
client asked. Webhook endpoints and deliveries are in ``webhooks.py``.

The roster services in ``kinframe.facilities.services`` do the work; the functions here add the
API client to the audit trail in the same transaction, so an investigator can see which agency
system released or booked someone.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from kinframe.audit.actors import Actor
from kinframe.audit.services import audit_log
from kinframe.custody.services import inmate_book, inmate_release
from kinframe.facilities.models import Agency, Facility, Inmate

from .models import ApiClient, Scope

TOKEN_PREFIX = "kf_"
TOKEN_BYTES = 30  # 40 URL-safe characters after the prefix
VISIBLE_CHARS = 8


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)


def _check_facilities(agency: Agency, facilities: Iterable[Facility]) -> list[Facility]:
    facilities = list(facilities)
    if any(facility.agency_id != agency.pk for facility in facilities):
        raise ValueError("A client may only be given its own agency's facilities.")
    return facilities


def _check_scopes(scopes: Iterable[str]) -> list[str]:
    scopes = sorted(set(scopes))
    unknown = set(scopes) - set(Scope.values)
    if unknown:
        raise ValueError(f"Unknown scopes: {', '.join(sorted(unknown))}.")
    return scopes


@transaction.atomic
def api_client_create(
    *,
    agency: Agency,
    name: str,
    actor: Actor,
    kind: str = ApiClient.Kind.ROSTER_FEED,
    scopes: Iterable[str] | None = None,
    facilities: Iterable[Facility] = (),
) -> tuple[ApiClient, str]:
    """Give a system a credential. Returns the client and its token, shown only now.

    ``scopes`` default to the kind's usual ones (the roster for a feed; photos and connections for
    a tablet vendor). A tablet vendor reaches only the people held at ``facilities``.
    """
    name = name.strip()
    if not name:
        raise ValueError("An API client needs a name.")
    if kind not in ApiClient.Kind.values:
        raise ValueError(f"Unknown client kind {kind!r}.")
    scope_list = _check_scopes(
        ApiClient.DEFAULT_SCOPES[ApiClient.Kind(kind)] if scopes is None else scopes
    )
    facility_list = _check_facilities(agency, facilities)
    token = _new_token()
    client = ApiClient.objects.create(
        agency=agency,
        name=name[:100],
        kind=kind,
        scopes=scope_list,
        token_prefix=token[: len(TOKEN_PREFIX) + VISIBLE_CHARS],
        token_hash=token_digest(token),
    )
    client.facilities.set(facility_list)
    audit_log(
        "api_client.created",
        actor=actor,
        target=client,
        data={
            "name": client.name,
            "agency": agency.slug,
            "prefix": client.token_prefix,
            "kind": kind,
            "scopes": scope_list,
            "facilities": sorted(f.code for f in facility_list),
        },
    )
    return client, token


@transaction.atomic
def api_client_set_access(
    *, client: ApiClient, actor: Actor, scopes: Iterable[str], facilities: Iterable[Facility]
) -> ApiClient:
    """Change which operations a client may use and which facilities' people it may reach."""
    client = ApiClient.objects.select_for_update().get(pk=client.pk)
    scope_list = _check_scopes(scopes)
    facility_list = _check_facilities(client.agency, facilities)
    before_codes = sorted(client.facilities.values_list("code", flat=True))
    after_codes = sorted(f.code for f in facility_list)
    changes: dict[str, list] = {}
    if sorted(client.scopes or []) != scope_list:
        changes["scopes"] = [client.scopes, scope_list]
        client.scopes = scope_list
        client.save(update_fields=["scopes"])
    if before_codes != after_codes:
        changes["facilities"] = [before_codes, after_codes]
        client.facilities.set(facility_list)
    if changes:
        audit_log("api_client.access_changed", actor=actor, target=client, data=changes)
    return client


@transaction.atomic
def api_client_rotate_secret(
    *, client: ApiClient, actor: Actor, grace: timedelta | None = None
) -> tuple[ApiClient, str]:
    """Issue a new token. The current one keeps working for ``grace`` (default
    ``KINFRAME_API_ROTATION_GRACE_HOURS``) so the system can switch over, then gets 401. A token
    that was still in its grace period from an earlier rotation stops at once."""
    client = ApiClient.objects.select_for_update().get(pk=client.pk)
    if not client.is_active:
        raise ValueError("A revoked client cannot be given a new secret.")
    if grace is None:
        grace = timedelta(hours=settings.KINFRAME_API_ROTATION_GRACE_HOURS)
    token = _new_token()
    client.previous_token_hash = client.token_hash
    client.previous_token_expires_at = timezone.now() + grace
    client.token_hash = token_digest(token)
    client.token_prefix = token[: len(TOKEN_PREFIX) + VISIBLE_CHARS]
    client.save(
        update_fields=[
            "previous_token_hash",
            "previous_token_expires_at",
            "token_hash",
            "token_prefix",
        ]
    )
    audit_log(
        "api_client.secret_rotated",
        actor=actor,
        target=client,
        data={
            "prefix": client.token_prefix,
            "old_until": client.previous_token_expires_at.isoformat(),
        },
    )
    return client, token


@transaction.atomic
def api_client_revoke(*, client: ApiClient, actor: Actor) -> ApiClient:
    """Refuse every token of this client from its next request (the current and any previous)."""
    client = ApiClient.objects.select_for_update().get(pk=client.pk)
    if not client.is_active and client.previous_token_hash is None:
        return client
    client.is_active = False
    client.revoked_at = timezone.now()
    client.previous_token_hash = None
    client.previous_token_expires_at = None
    client.save(
        update_fields=[
            "is_active",
            "revoked_at",
            "previous_token_hash",
            "previous_token_expires_at",
        ]
    )
    audit_log("api_client.revoked", actor=actor, target=client)
    return client


@transaction.atomic
def api_client_update(*, client: ApiClient, actor: Actor, name: str, is_active: bool) -> ApiClient:
    """Rename a client or switch it off (its token is refused from the next request)."""
    client = ApiClient.objects.select_for_update().get(pk=client.pk)
    changes = {}
    for field, value in (("name", name.strip()[:100]), ("is_active", is_active)):
        if getattr(client, field) != value:
            changes[field] = [getattr(client, field), value]
            setattr(client, field, value)
    if changes:
        client.save(update_fields=list(changes))
        audit_log("api_client.changed", actor=actor, target=client, data=changes)
    return client


def api_inmate_book(
    *, client: ApiClient, facility: Facility, number: str, first_name: str, last_name: str
) -> tuple[Inmate, bool]:
    return inmate_book(
        agency=client.agency,
        facility=facility,
        number=number,
        first_name=first_name,
        last_name=last_name,
        actor=Actor.client(client),
        audit_data={"client": client.name},
    )


@transaction.atomic
def api_inmate_release(*, client: ApiClient, inmate: Inmate) -> Inmate:
    """Release through ``inmate_release`` (which refunds photos on their way), as the client.

    Releasing someone already released changes nothing and records nothing.
    """
    return inmate_release(
        inmate=inmate, actor=Actor.client(client), audit_data={"client": client.name}
    )
