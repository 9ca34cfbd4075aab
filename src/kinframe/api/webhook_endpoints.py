"""Where a client asks to be told of events: register, list and remove its webhook URLs."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from django.http import HttpRequest, HttpResponse
from ninja import Field, Path, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import ConfigDict

from kinframe.audit.actors import Actor

from .auth import client_auth, client_throttle
from .models import ApiClient, WebhookEndpoint
from .problems import errors
from .webhooks import WebhookUrlError, webhook_endpoint_create, webhook_endpoint_deactivate

router = Router(tags=["webhooks"], auth=client_auth, throttle=client_throttle)


class EndpointIn(Schema):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(
        min_length=1, max_length=500, description="http(s) URL that will receive POSTs"
    )
    events: list[WebhookEndpoint.Event] = Field(min_length=1, max_length=10)


class EndpointOut(Schema):
    id: int
    url: str
    events: list[str]
    is_active: bool
    created_at: datetime


class EndpointCreated(EndpointOut):
    secret: str = Field(
        description="The Standard Webhooks signing secret (`whsec_...`), shown only now"
    )


def _client(request: HttpRequest) -> ApiClient:
    return request.auth  # type: ignore[attr-defined]


@router.get(
    "/webhooks",
    response={200: list[EndpointOut], **errors(401, 429)},
    summary="Your webhook endpoints",
)
def endpoint_list(request: HttpRequest):
    return WebhookEndpoint.objects.filter(client=_client(request), is_active=True)


@router.post(
    "/webhooks",
    response={201: EndpointCreated, **errors(400, 401, 422, 429)},
    summary="Register a URL for events",
)
def endpoint_create(request: HttpRequest, endpoint: EndpointIn):
    """Events: `photo.delivered` (needs `photos:read`), `connection.requested` (needs
    `connections:read`) and `inmate.released`, for people at your facilities. Each POST is signed
    per Standard Webhooks with the `secret` returned here."""
    client = _client(request)
    try:
        created = webhook_endpoint_create(
            client=client, url=endpoint.url, event_types=endpoint.events, actor=Actor.client(client)
        )
    except (WebhookUrlError, ValueError) as error:
        raise HttpError(422, str(error)) from error
    return Status(201, created)


@router.delete(
    "/webhooks/{endpoint_id}",
    response={204: None, **errors(401, 404, 422, 429)},
    summary="Stop sending to a URL",
)
def endpoint_delete(request: HttpRequest, endpoint_id: Annotated[int, Path(ge=1, le=2**62)]):
    client = _client(request)
    endpoint = WebhookEndpoint.objects.filter(client=client, pk=endpoint_id, is_active=True).first()
    if endpoint is None:
        raise HttpError(404, "No such webhook endpoint.")
    webhook_endpoint_deactivate(endpoint=endpoint, actor=Actor.client(client))
    return HttpResponse(status=204)
