"""The tablet vendors' API: a person's delivered photos, their views, and their connections.

A person is addressed by facility code and inmate number. A client reaches only people held at
its facilities; anyone else (another facility, released, unknown) is a 404, the same as nobody.
Each operation needs a scope (``photos:read``, ``photos:view``, ``connections:read``,
``connections:decide``); without it the answer is 403.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal
from uuid import UUID

from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from ninja import Field, Header, Path, Query, Router, Schema
from ninja.errors import HttpError
from pydantic import ConfigDict, StringConstraints, field_validator

from kinframe.audit.actors import Actor
from kinframe.audit.context import RequestOrigin, current_origin
from kinframe.connections.models import Connection
from kinframe.connections.services import (
    ConnectionNotAllowed,
    connection_approve,
    connection_decline,
)
from kinframe.custody.services import connection_end
from kinframe.facilities.models import Inmate
from kinframe.photos.models import Photo
from kinframe.photos.services import photo_record_view
from kinframe.photos.serving import photo_file_response

from . import cursors, selectors
from .auth import client_auth, client_throttle, client_with_scope
from .idempotency import run_idempotently
from .models import ApiClient, Scope
from .problems import errors

router = Router(tags=["tablets"], auth=client_auth, throttle=client_throttle)

FacilityCode = Annotated[str, Path(min_length=1, max_length=32, description="Facility code")]
Number = Annotated[str, Path(min_length=1, max_length=32, description="Inmate number")]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        description="A retry with the same key and body gets the first answer back.",
    ),
]
PERSON = "/facilities/{facility}/people/{number}"
READ_ERRORS = errors(401, 403, 404, 422, 429)
WRITE_ERRORS = errors(400, 401, 403, 404, 409, 422, 429)


def tablet_actor(client: ApiClient, inmate: Inmate) -> Actor:
    """The person acting through their vendor's tablet: audited as the client, acting for them."""
    return Actor(
        kind=Actor.Kind.API_CLIENT,
        label=f"api:{client.name}",
        api_client=client,
        inmate=inmate,
    )


def person_for(request: HttpRequest, scope: str, facility: str, number: str):
    """The one access check every operation here makes: the scope, then the person, or 403/404."""
    client = client_with_scope(request, scope)
    inmate = selectors.reachable_person(client=client, facility_code=facility, number=number)
    if inmate is None:
        raise HttpError(404, f"Nobody numbered {number!r} at {facility!r} that you serve.")
    return client, inmate


# --- Photos ------------------------------------------------------------------------------------------


class PhotoOut(Schema):
    id: UUID = Field(alias="public_id")
    delivered_at: datetime
    sent_at: datetime = Field(alias="created_at")
    sender_name: str
    relationship: str
    width: int | None
    height: int | None
    sha256: str

    @staticmethod
    def resolve_sender_name(obj: Photo) -> str:
        return obj.sender.get_full_name() or obj.sender.get_username()

    @staticmethod
    def resolve_relationship(obj: Photo) -> str:
        return obj.connection.relationship


class PhotoPage(Schema):
    items: list[PhotoOut]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; on the last page, keep it to ask later "
        "for photos delivered since."
    )
    has_more: bool


class PageQuery(Schema):
    cursor: str | None = Field(None, max_length=500, description="From the previous page")
    limit: int = Field(50, ge=1, le=100)
    since: datetime | None = Field(
        None, description="Only photos delivered after this ISO 8601 time (UTC if no offset)"
    )

    @field_validator("since", mode="before")
    @classmethod
    def iso_8601_only(cls, value):
        """Only an ISO 8601 time: pydantic would also take a number as a Unix time."""
        if value is None or isinstance(value, datetime):
            return value
        try:
            parsed = datetime.fromisoformat(str(value))
        except ValueError as error:
            raise ValueError("Give an ISO 8601 time, e.g. 2026-11-30T09:00:00Z.") from error
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _photo(inmate: Inmate, photo_id: UUID) -> Photo:
    photo = selectors.delivered_photos(inmate=inmate).filter(public_id=photo_id).first()
    if photo is None:
        raise HttpError(404, "No such delivered photo for this person.")
    return photo


@router.get(
    f"{PERSON}/photos",
    response={200: PhotoPage, **READ_ERRORS},
    summary="A person's delivered photos, oldest delivery first",
)
def photo_list(
    request: HttpRequest, facility: FacilityCode, number: Number, page: Query[PageQuery]
):
    """Keyset pages by delivery time. Keep the last `next_cursor` and call again with it to get
    only the photos delivered since; or pass `since` (an ISO 8601 time)."""
    _, inmate = person_for(request, Scope.PHOTOS_READ, facility, number)
    result = cursors.keyset_page(
        selectors.delivered_photos(inmate=inmate),
        field="delivered_at",
        cursor=page.cursor,
        limit=page.limit,
        since=page.since,
    )
    return {"items": result.items, "next_cursor": result.next_cursor, "has_more": result.has_more}


@router.get(
    f"{PERSON}/photos/{{photo_id}}",
    response={200: PhotoOut, **READ_ERRORS},
    summary="One delivered photo's details",
)
def photo_get(request: HttpRequest, facility: FacilityCode, number: Number, photo_id: UUID):
    _, inmate = person_for(request, Scope.PHOTOS_READ, facility, number)
    return _photo(inmate, photo_id)


def _etag(photo: Photo, variant: str) -> str | None:
    if not photo.sha256:
        return None
    return f'"sha256-{photo.sha256}"' if variant == "display" else f'"sha256-{photo.sha256}-thumb"'


def _matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
    return "*" in tags or etag in tags


IMAGE_RESPONSES = {
    "responses": {
        "200": {
            "description": "The JPEG (`Cache-Control: private, no-cache`, an `ETag`)",
            "content": {"image/jpeg": {"schema": {"type": "string", "format": "binary"}}},
        },
        "302": {"description": "With S3 storage: a signed URL that expires in seconds"},
        "304": {"description": "`If-None-Match` named the current ETag: use your copy"},
    }
}
IfNoneMatch = Annotated[
    str | None,
    Header(alias="If-None-Match", max_length=1000, description="An ETag from an earlier answer"),
]


def _image(request, facility, number, photo_id, if_none_match, variant) -> HttpResponseBase:
    _, inmate = person_for(request, Scope.PHOTOS_READ, facility, number)
    photo = _photo(inmate, photo_id)
    etag = _etag(photo, variant)
    if etag and _matches(if_none_match, etag):
        response: HttpResponseBase = HttpResponse(status=304)
    else:
        response = photo_file_response(photo, variant)
    if etag:
        response["ETag"] = etag
    # The tablet may keep its copy but must ask again (cheaply, by ETag) before showing it; no
    # shared cache may keep it at all.
    response["Cache-Control"] = "private, no-cache"
    return response


@router.get(
    f"{PERSON}/photos/{{photo_id}}/image",
    response=READ_ERRORS,
    openapi_extra=IMAGE_RESPONSES,
    summary="The photo to show (JPEG)",
)
def photo_image(
    request: HttpRequest,
    facility: FacilityCode,
    number: Number,
    photo_id: UUID,
    if_none_match: IfNoneMatch = None,
):
    """Fetching is not a view: record one with `POST .../views` when the person opens it."""
    return _image(request, facility, number, photo_id, if_none_match, "display")


@router.get(
    f"{PERSON}/photos/{{photo_id}}/thumbnail",
    response=READ_ERRORS,
    openapi_extra=IMAGE_RESPONSES,
    summary="The photo's thumbnail (JPEG)",
)
def photo_thumbnail(
    request: HttpRequest,
    facility: FacilityCode,
    number: Number,
    photo_id: UUID,
    if_none_match: IfNoneMatch = None,
):
    return _image(request, facility, number, photo_id, if_none_match, "thumbnail")


class ViewIn(Schema):
    model_config = ConfigDict(extra="forbid")

    device_id: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)
    ] = Field(description="The vendor's id for the tablet the person used")
    variant: Literal["display", "thumbnail"] = "display"


class ViewOut(Schema):
    photo: UUID
    variant: str
    device_id: str
    viewed_at: datetime


@router.post(
    f"{PERSON}/photos/{{photo_id}}/views",
    response={201: ViewOut, **WRITE_ERRORS},
    summary="Record that the person opened a photo on a tablet",
)
def photo_view_post(
    request: HttpRequest,
    facility: FacilityCode,
    number: Number,
    photo_id: UUID,
    view: ViewIn,
    idempotency_key: IdempotencyKey = None,
):
    """Writes the same record as a kiosk view (staff see it in the photo's history), naming the
    vendor's client and the device in the view's user agent."""
    client, inmate = person_for(request, Scope.PHOTOS_VIEW, facility, number)

    def act() -> tuple[int, dict]:
        photo = _photo(inmate, photo_id)
        origin = current_origin.get()
        device = f"api:{client.name} device:{view.device_id}"[:300]
        token = current_origin.set(RequestOrigin(ip_address=origin.ip_address, user_agent=device))
        try:
            recorded = photo_record_view(
                photo=photo, actor=tablet_actor(client, inmate), variant=view.variant
            )
        finally:
            current_origin.reset(token)
        return 201, {
            "photo": str(photo.public_id),
            "variant": recorded.variant,
            "device_id": view.device_id,
            "viewed_at": recorded.viewed_at,
        }

    return run_idempotently(request, client=client, key=idempotency_key, action=act)


# --- Connections -------------------------------------------------------------------------------------


class ConnectionOut(Schema):
    id: int
    status: Connection.Status
    sender_name: str
    relationship: str
    requested_at: datetime = Field(alias="created_at")
    decided_at: datetime | None

    @staticmethod
    def resolve_sender_name(obj: Connection) -> str:
        return obj.sender.get_full_name() or obj.sender.get_username()


class ConnectionPage(Schema):
    items: list[ConnectionOut]
    next_cursor: str | None
    has_more: bool


class ConnectionQuery(Schema):
    status: Connection.Status | None = Field(None, description="`requested` for the requests")
    cursor: str | None = Field(None, max_length=500)
    limit: int = Field(50, ge=1, le=100)


@router.get(
    f"{PERSON}/connections",
    response={200: ConnectionPage, **READ_ERRORS},
    summary="A person's connections and requests, oldest first",
)
def connection_list(
    request: HttpRequest, facility: FacilityCode, number: Number, query: Query[ConnectionQuery]
):
    _, inmate = person_for(request, Scope.CONNECTIONS_READ, facility, number)
    result = cursors.keyset_page(
        selectors.person_connections(inmate=inmate, status=query.status),
        field="created_at",
        cursor=query.cursor,
        limit=query.limit,
    )
    return {"items": result.items, "next_cursor": result.next_cursor, "has_more": result.has_more}


DECISIONS = {
    "approve": connection_approve,
    "decline": connection_decline,
    "end": connection_end,
}


@router.post(
    f"{PERSON}/connections/{{connection_id}}/{{decision}}",
    response={200: ConnectionOut, **WRITE_ERRORS},
    summary="Approve or decline a request, or end a connection, for the person",
)
def connection_decide(
    request: HttpRequest,
    facility: FacilityCode,
    number: Number,
    connection_id: Annotated[int, Path(ge=1, le=2**62)],
    decision: Literal["approve", "decline", "end"],
    idempotency_key: IdempotencyKey = None,
):
    """`approve` and `decline` answer a request; `end` ends an approved connection (photos waiting
    for review are refunded). A connection that has moved on is 409 with the reason."""
    client, inmate = person_for(request, Scope.CONNECTIONS_DECIDE, facility, number)

    def act() -> tuple[int, dict]:
        connection = selectors.person_connections(inmate=inmate).filter(pk=connection_id).first()
        if connection is None:
            raise HttpError(404, "No such connection for this person.")
        try:
            DECISIONS[decision](connection=connection, actor=tablet_actor(client, inmate))
        except ConnectionNotAllowed as error:
            raise HttpError(409, str(error)) from error
        decided = selectors.person_connections(inmate=inmate).get(pk=connection_id)
        return 200, ConnectionOut.from_orm(decided).model_dump(mode="json")

    return run_idempotently(request, client=client, key=idempotency_key, action=act)
