"""Writes the API app owns: its clients' credentials, and roster writes that say which client asked.

The roster services in ``kinframe.facilities.services`` do the work; the functions here add the
API client to the audit trail in the same transaction, so an investigator can see which agency
system released or booked someone.
"""

from __future__ import annotations

import hashlib
import secrets

from django.db import transaction

from kinframe.audit.actors import Actor
from kinframe.audit.services import audit_log
from kinframe.custody.services import inmate_book, inmate_release
from kinframe.facilities.models import Agency, Facility, Inmate

from .models import ApiClient

TOKEN_PREFIX = "kf_"
TOKEN_BYTES = 30  # 40 URL-safe characters after the prefix
VISIBLE_CHARS = 8


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def api_client_create(*, agency: Agency, name: str, actor: Actor) -> tuple[ApiClient, str]:
    """Give ``agency``'s system a credential. Returns the client and its token, shown only now."""
    name = name.strip()
    if not name:
        raise ValueError("An API client needs a name.")
    token = TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)
    client = ApiClient.objects.create(
        agency=agency,
        name=name[:100],
        token_prefix=token[: len(TOKEN_PREFIX) + VISIBLE_CHARS],
        token_hash=token_digest(token),
    )
    audit_log(
        "api_client.created",
        actor=actor,
        target=client,
        data={"name": client.name, "agency": agency.slug, "prefix": client.token_prefix},
    )
    return client, token


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
