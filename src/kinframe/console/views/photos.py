"""A facility's photos: the history list, one photo's record, and the photo files themselves.

A staff *view* (``PhotoView``) is recorded each time the full-size file is served, whoever asks for
it and from wherever (the detail page's ``<img>``, or the URL typed in directly): the file is the
photo, so no way of opening it goes unrecorded. Queue thumbnails are not views.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render

from kinframe.keyset import keyset_page, query_without_cursor
from kinframe.photos.models import Photo
from kinframe.photos.services import photo_record_view
from kinframe.photos.serving import photo_file_response

from ..access import HISTORY_ROLES, REVIEW_ROLES, ConsoleRequest, console_view
from ..forms import PhotoFilterForm
from ..selectors import (
    active_rejection_reasons,
    facility_photo,
    facility_photos,
    photo_view_history,
)

PER_PAGE = 25


@console_view(roles=HISTORY_ROLES)
def history(request: ConsoleRequest) -> HttpResponse:
    facility = request.console.facility
    form = PhotoFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    found = facility_photos(
        facility=facility, status=filters.get("status", ""), search=filters.get("q", "")
    )
    return render(
        request,
        "console/photo_history.html",
        {
            "form": form,
            "page": keyset_page(request, found.photos, key="created_at", per_page=PER_PAGE),
            "too_many_senders": found.too_many_senders,
            "query": query_without_cursor(request),
        },
    )


@console_view(roles=HISTORY_ROLES)
def detail(request: ConsoleRequest, public_id) -> HttpResponse:
    facility = request.console.facility
    photo = facility_photo(facility=facility, public_id=public_id)
    can_decide = (
        photo.status == Photo.Status.PENDING_REVIEW
        and request.console.membership.role in REVIEW_ROLES
    )
    return render(
        request,
        "console/photo_detail.html",
        {
            "photo": photo,
            "views": list(photo_view_history(photo=photo)),
            "can_decide": can_decide,
            "reasons": list(active_rejection_reasons(facility=facility)) if can_decide else [],
        },
    )


@console_view(roles=HISTORY_ROLES)
def photo_file(request: ConsoleRequest, public_id, variant: str) -> HttpResponseBase:
    """The bytes of one of the facility's photos; the full-size one is recorded as a view."""
    photo = facility_photo(facility=request.console.facility, public_id=public_id)
    response = photo_file_response(photo, variant)
    if variant == "display":
        photo_record_view(photo=photo, actor=request.console.actor, variant="display")
    return response
