"""The roster feed: an agency's jail management system books, moves and releases people.

Every endpoint sees only the calling client's agency; another agency's facility or inmate is a
404, the same as one that does not exist.
"""

from typing import Annotated

from django.http import HttpRequest
from ninja import Header, Path, Query, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import PageNumberPagination, paginate
from pydantic import ConfigDict, StringConstraints

from kinframe.facilities.models import Facility, Inmate
from kinframe.facilities.services import FacilitySettingsError

from .auth import client_auth, client_throttle, client_with_scope
from .idempotency import run_idempotently
from .models import ApiClient, Scope
from .problems import errors
from .services import api_inmate_book, api_inmate_release

router = Router(tags=["roster"], auth=client_auth, throttle=client_throttle)

InmateNumber = Annotated[str, Path(min_length=1, max_length=32, description="Inmate number")]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        description="Any unique string (a UUID). A retry with the same key and body gets the "
        "first answer back, with `Idempotent-Replayed: true`, and changes nothing.",
    ),
]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class Booking(Schema):
    """Where the person is held and their name as the roster has it."""

    model_config = ConfigDict(extra="forbid")

    facility: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]
    first_name: Name
    last_name: Name


class InmateOut(Schema):
    number: str
    first_name: str
    last_name: str
    facility: str
    status: Inmate.Status

    @staticmethod
    def resolve_facility(obj: Inmate) -> str:
        return obj.facility.code


class FacilityOut(Schema):
    code: str
    name: str
    photos_enabled: bool
    photo_price: int


class InmateFilter(Schema):
    facility: str | None = None
    status: Inmate.Status | None = None


def _reader(request: HttpRequest) -> ApiClient:
    return client_with_scope(request, Scope.ROSTER_READ)


def _writer(request: HttpRequest) -> ApiClient:
    return client_with_scope(request, Scope.ROSTER_WRITE)


def _inmate(client: ApiClient, number: str) -> Inmate:
    inmate = (
        Inmate.objects.select_related("facility")
        .filter(agency_id=client.agency_id, number=number)
        .first()
    )
    if inmate is None:
        raise HttpError(404, f"No inmate numbered {number!r} in your agency.")
    return inmate


def _out(inmate: Inmate) -> dict:
    return InmateOut.from_orm(inmate).model_dump(mode="json")


WRITE_ERRORS = errors(400, 401, 403, 404, 409, 422, 429)
READ_ERRORS = errors(401, 403, 404, 422, 429)


@router.put(
    "/inmates/{number}",
    response={200: InmateOut, 201: InmateOut, **WRITE_ERRORS},
    summary="Book a person, or update, move or readmit them",
)
def inmate_put(
    request: HttpRequest,
    number: InmateNumber,
    booking: Booking,
    idempotency_key: IdempotencyKey = None,
):
    """Send the roster's line for one person. A new number is booked (201). A known number gets
    its names corrected, is moved if the facility differs (photos addressed to the old facility are
    refunded) and readmitted if they had been released (200). Sending the same line again is
    harmless."""
    client = _writer(request)

    def act() -> tuple[int, dict]:
        facility = Facility.objects.filter(
            agency_id=client.agency_id, code=booking.facility
        ).first()
        if facility is None:
            raise HttpError(404, f"No facility with code {booking.facility!r} in your agency.")
        try:
            inmate, created = api_inmate_book(
                client=client,
                facility=facility,
                number=number,
                first_name=booking.first_name,
                last_name=booking.last_name,
            )
        except FacilitySettingsError as error:
            raise HttpError(422, str(error)) from error
        inmate.facility = facility
        return (201 if created else 200), _out(inmate)

    return run_idempotently(request, client=client, key=idempotency_key, action=act)


@router.post(
    "/inmates/{number}/release",
    response={200: InmateOut, **WRITE_ERRORS},
    summary="Release a person from custody",
)
def inmate_release_post(
    request: HttpRequest, number: InmateNumber, idempotency_key: IdempotencyKey = None
):
    """They can no longer be found, sign in at the kiosk or receive photos; photos still on their
    way are refunded to their senders. Releasing someone already released changes nothing."""
    client = _writer(request)

    def act() -> tuple[int, dict]:
        inmate = api_inmate_release(client=client, inmate=_inmate(client, number))
        return 200, _out(Inmate.objects.select_related("facility").get(pk=inmate.pk))

    return run_idempotently(request, client=client, key=idempotency_key, action=act)


@router.get(
    "/inmates/{number}",
    response={200: InmateOut, **READ_ERRORS},
    summary="One person",
)
def inmate_get(request: HttpRequest, number: InmateNumber):
    return _inmate(_reader(request), number)


@router.get(
    "/inmates",
    response={200: list[InmateOut], **errors(401, 403, 422, 429)},
    summary="People on the agency's roster",
)
@paginate(PageNumberPagination, page_size=50, max_page_size=100)
def inmate_list(request: HttpRequest, filters: Query[InmateFilter]):
    """Ordered by inmate number. Filter by facility code and status; `page_size` at most 100."""
    inmates = Inmate.objects.filter(agency_id=_reader(request).agency_id).select_related("facility")
    if filters.facility:
        inmates = inmates.filter(facility__code=filters.facility)
    if filters.status:
        inmates = inmates.filter(status=filters.status)
    return inmates.order_by("number")


@router.get(
    "/facilities",
    response={200: list[FacilityOut], **errors(401, 403, 429)},
    summary="The agency's facilities",
)
def facility_list(request: HttpRequest):
    return Facility.objects.filter(agency_id=_reader(request).agency_id).order_by("code")
