"""A facility's photos: the history list, one photo's record, and the photo files themselves.

A staff *view* (``PhotoView``) is recorded when the detail page is opened, because that is where a
staff member looks at the photo. The file URL the page's ``<img>`` loads does not record a second
one, and queue thumbnails are not views at all.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from kinframe.photos.models import Photo
from kinframe.photos.services import photo_record_view
from kinframe.photos.serving import photo_file_response

from ..access import HISTORY_ROLES, REVIEW_ROLES, staff_facility, staff_required
from ..forms import PhotoFilterForm
from ..selectors import (
    active_rejection_reasons,
    facility_photo,
    facility_photos,
    photo_view_history,
)
from .common import paginate, query_without_page, render_console

PER_PAGE = 25


@staff_required
def history(request: HttpRequest, code: str) -> HttpResponse:
    facility, membership = staff_facility(request, code, roles=HISTORY_ROLES)
    form = PhotoFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    photos = facility_photos(
        facility=facility, status=filters.get("status", ""), search=filters.get("q", "")
    )
    return render_console(
        request,
        "console/photo_history.html",
        facility=facility,
        membership=membership,
        form=form,
        page=paginate(request, photos, PER_PAGE),
        query=query_without_page(request),
    )


@staff_required
def detail(request: HttpRequest, code: str, public_id) -> HttpResponse:
    facility, membership = staff_facility(request, code, roles=HISTORY_ROLES)
    photo = facility_photo(facility=facility, public_id=public_id)
    if photo.image:
        photo_record_view(photo=photo, viewer_user=request.user, variant="display")
    can_decide = photo.status == Photo.Status.PENDING_REVIEW and membership.role in REVIEW_ROLES
    return render_console(
        request,
        "console/photo_detail.html",
        facility=facility,
        membership=membership,
        photo=photo,
        views=list(photo_view_history(photo=photo)),
        can_decide=can_decide,
        reasons=list(active_rejection_reasons(facility=facility)) if can_decide else [],
    )


@staff_required
def photo_file(request: HttpRequest, code: str, public_id, variant: str) -> HttpResponse:
    """The bytes of one of the facility's photos, for the queue's thumbnails and the detail page.

    Not a view by itself: the detail page records it (see the module docstring).
    """
    facility, _ = staff_facility(request, code, roles=HISTORY_ROLES)
    photo = facility_photo(facility=facility, public_id=public_id)
    return photo_file_response(photo, variant)
