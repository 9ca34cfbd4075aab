"""The review queue and the approve / reject decisions.

Decisions work two ways: with htmx the queue posts in the background and swaps the photo's card
for the response (nothing when it worked, so the card disappears; a notice when someone else decided
first); without JavaScript the form posts normally and the view redirects back to the queue with a
message.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from kinframe.facilities.models import Facility, RejectionReason
from kinframe.photos.models import PhotoFlag
from kinframe.photos.services import PhotoStateError, photo_approve, photo_reject

from ..access import REVIEW_ROLES, ConsoleRequest, console_view
from ..selectors import active_rejection_reasons, facility_photo, review_queue
from .common import is_htmx

QUEUE_SIZE = 50  # the oldest photos first; a reviewer works down the list, then reloads


@console_view(roles=REVIEW_ROLES)
def queue(request: ConsoleRequest) -> HttpResponse:
    facility = request.console.facility
    flag = request.GET.get("flag", "")
    flag = flag if flag in PhotoFlag.Kind.values else ""
    photos = review_queue(facility=facility, flag=flag)
    return render(
        request,
        "console/review_queue.html",
        {
            "flag": flag,
            "flag_choices": PhotoFlag.Kind.choices,
            "photos": list(photos[:QUEUE_SIZE]),
            "waiting": photos.count(),
            "reasons": list(active_rejection_reasons(facility=facility)),
        },
    )


def _back_to_queue(facility: Facility) -> HttpResponse:
    return redirect("console:review_queue", code=facility.code)


def _decided(request: HttpRequest, facility: Facility, text: str) -> HttpResponse:
    if is_htmx(request):
        return HttpResponse("")  # swapped in for the card: the card goes away
    messages.success(request, text)
    return _back_to_queue(facility)


def _already_decided(
    request: HttpRequest, facility: Facility, error: PhotoStateError
) -> HttpResponse:
    """Two reviewers clicked at once, or the sender withdrew it: say so rather than fail."""
    photo = error.photo
    text = f"Someone else got there first: this photo is already {photo.get_status_display()}"
    if photo.reviewed_by is not None:
        text += f" (by {photo.reviewed_by.get_username()})"
    text += ". Nothing was changed."
    if is_htmx(request):
        return render(request, "console/_review_notice.html", {"text": text, "photo": photo})
    messages.warning(request, text)
    return _back_to_queue(facility)


def _bad_reason(request: ConsoleRequest) -> HttpResponse:
    text = "Choose one of this facility's rejection reasons to reject a photo."
    if is_htmx(request):
        return HttpResponse(text, status=400, content_type="text/plain; charset=utf-8")
    return render(request, "console/bad_request.html", {"text": text}, status=400)


@console_view(roles=REVIEW_ROLES)
@require_POST
def approve(request: ConsoleRequest, public_id) -> HttpResponse:
    facility = request.console.facility
    photo = facility_photo(facility=facility, public_id=public_id)
    try:
        photo_approve(photo=photo, actor=request.console.actor)
    except PhotoStateError as error:
        return _already_decided(request, facility, error)
    return _decided(request, facility, f"Approved the photo for {photo.inmate.full_name}.")


def _reason_from(request: HttpRequest, facility: Facility) -> RejectionReason | None:
    """The posted reason if it is one of this facility's active reasons; None otherwise."""
    try:
        reason_id = int(request.POST.get("reason", ""))
    except ValueError:
        return None
    return RejectionReason.objects.filter(pk=reason_id, facility=facility, is_active=True).first()


@console_view(roles=REVIEW_ROLES)
@require_POST
def reject(request: ConsoleRequest, public_id) -> HttpResponse:
    facility = request.console.facility
    photo = facility_photo(facility=facility, public_id=public_id)
    reason = _reason_from(request, facility)
    if reason is None:
        return _bad_reason(request)
    try:
        photo_reject(photo=photo, actor=request.console.actor, reason=reason)
    except PhotoStateError as error:
        return _already_decided(request, facility, error)
    except ValueError:  # the reason was deactivated between our check and the lock
        return _bad_reason(request)
    return _decided(
        request,
        facility,
        f"Rejected the photo for {photo.inmate.full_name} ({reason.label}); "
        f"{photo.sender.get_username()} has the {photo.price} credits back.",
    )
