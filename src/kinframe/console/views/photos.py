"""A facility's photos: the history list, one photo's record, and the photo files themselves.

A staff *view* (``PhotoView``) is recorded each time the full-size file is served, whoever asks for
it and from wherever (the review pages, or the URL typed in directly): the file is the photo, so no
way of opening it goes unrecorded. Thumbnails are not views. The record page records its own
opening before listing the views (so it never says "nobody has opened it" while it shows it) and
gives its ``<img>`` a short-lived signed note so that the same opening is not counted twice.
"""

from __future__ import annotations

from django.core import signing
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.views.decorators.http import require_GET

from kinframe.keyset import keyset_page, query_without_cursor
from kinframe.photos.models import Photo
from kinframe.photos.review import review_lease_take
from kinframe.photos.services import photo_record_view
from kinframe.photos.serving import photo_file_response
from kinframe.restrictions.selectors import watchlist_matches_for_photo

from ..access import HISTORY_ROLES, REVIEW_ROLES, ConsoleRequest, Role, console_view
from ..forms import PhotoFilterForm
from ..selectors import (
    active_rejection_reasons,
    facility_photo,
    facility_photos,
    photo_appeal,
    photo_flags,
    photo_view_history,
)
from .appeals import may_decide_appeal

PER_PAGE = 25
SEEN_SALT = "kinframe.console.photo-seen"
#: The record page's note covers its own <img>, loaded within seconds of the page.
SEEN_MAX_AGE = 120


@console_view(roles=HISTORY_ROLES)
@require_GET
def history(request: ConsoleRequest) -> HttpResponse:
    facility = request.console.facility
    form = PhotoFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    found = facility_photos(
        facility=facility,
        status=filters.get("status", ""),
        search=filters.get("q", ""),
        flag=filters.get("flag", ""),
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
@require_GET
def detail(request: ConsoleRequest, public_id) -> HttpResponse:
    facility = request.console.facility
    photo = facility_photo(facility=facility, public_id=public_id)
    role = request.console.membership.role
    can_decide = photo.status == Photo.Status.PENDING_REVIEW and role in REVIEW_ROLES
    appeal = photo_appeal(photo=photo)
    can_reverse = role == Role.ADMIN and photo.status in (
        Photo.Status.APPROVED,
        Photo.Status.REJECTED,
    )
    held_elsewhere = can_decide and not review_lease_take(photo=photo, actor=request.console.actor)
    seen = ""
    if photo.image and not photo.files_purged_at:
        photo_record_view(photo=photo, actor=request.console.actor, variant="display")
        seen = signing.dumps([photo.pk, request.user.pk], salt=SEEN_SALT)
    can_decide = can_decide and not held_elsewhere
    needs_reasons = can_decide or (can_reverse and photo.status == Photo.Status.APPROVED)
    return render(
        request,
        "console/photo_detail.html",
        {
            "photo": photo,
            "views": list(photo_view_history(photo=photo)),
            "flags": photo_flags(photo=photo),
            "appeal": appeal,
            "can_decide_appeal": appeal is not None
            and may_decide_appeal(appeal, request.console.membership),
            "can_reverse": can_reverse,
            "can_decide": can_decide,
            "held_elsewhere": held_elsewhere,
            "seen": seen,
            "reasons": list(active_rejection_reasons(facility=facility)) if needs_reasons else [],
            "watchlist_matches": watchlist_matches_for_photo(photo=photo),
        },
    )


@console_view(roles=HISTORY_ROLES)
@require_GET
def photo_file(request: ConsoleRequest, public_id, variant: str) -> HttpResponseBase:
    """The bytes of one of the facility's photos; the full-size one is recorded as a view."""
    photo = facility_photo(facility=request.console.facility, public_id=public_id)
    response = photo_file_response(photo, variant)
    if variant == "display" and not _recorded_by_page(request, photo):
        photo_record_view(photo=photo, actor=request.console.actor, variant="display")
    return response


def _recorded_by_page(request: ConsoleRequest, photo: Photo) -> bool:
    """True when the record page that embeds this file has already recorded this opening."""
    try:
        note = signing.loads(request.GET.get("seen", ""), salt=SEEN_SALT, max_age=SEEN_MAX_AGE)
    except signing.BadSignature:
        return False
    return note == [photo.pk, request.user.pk]
