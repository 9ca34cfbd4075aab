"""Reviewing photos: the one-at-a-time review page, the grid, and the decisions and their undo.

Every reviewer is handed photos nobody else holds (``photos.review`` leases): the review page holds
a few (the one on screen and the next ones, preloaded), the grid a dozen. ``review.js`` renews the
holds every few seconds (``heartbeat``, which also carries the live counts and drops photos decided
elsewhere) and hands them back when the reviewer leaves (``release``).

Decisions answer three kinds of caller: ``review.js`` asks for JSON; the grid posts with htmx and
swaps the card for the answer (a notice with an undo button); without JavaScript the form posts
normally and the view redirects back with a message.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from kinframe.facilities.models import Facility, RejectionReason
from kinframe.photos.models import Photo, PhotoFlag
from kinframe.photos.review import (
    BATCH,
    MAX_HELD,
    UNDO_SECONDS,
    LeaseError,
    UndoRefused,
    photo_decide,
    photo_decision_undo,
    review_leases_acquire,
    review_leases_release,
    review_leases_renew,
)
from kinframe.photos.services import PhotoStateError

from ..access import REVIEW_ROLES, ConsoleRequest, console_view
from ..selectors import (
    active_rejection_reasons,
    facility_photo,
    review_cards,
    review_counts,
)
from .common import is_htmx

#: How often the page renews its holds and refreshes the counts (milliseconds, read by review.js).
HEARTBEAT_MS = 2000


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _reasons(facility: Facility) -> list[RejectionReason]:
    """The active reasons, numbered from 1 in the order reviewers see them (their keys)."""
    reasons = list(active_rejection_reasons(facility=facility).order_by("position", "label", "pk"))
    for number, reason in enumerate(reasons, start=1):
        reason.key = str(number) if number <= 9 else ""  # type: ignore[attr-defined]
    return reasons


def _page_context(request: ConsoleRequest, *, want: int) -> dict:
    facility = request.console.facility
    flag = request.GET.get("flag", "")
    flag = flag if flag in PhotoFlag.Kind.values else ""
    held = review_leases_acquire(
        facility=facility, actor=request.console.actor, want=want, flag=flag
    )
    return {
        "flag": flag,
        "flag_choices": PhotoFlag.Kind.choices,
        "photos": review_cards(facility=facility, photo_ids=held),
        "counts": review_counts(facility=facility, user=request.user),
        "reasons": _reasons(facility),
        "heartbeat_ms": HEARTBEAT_MS,
        "undo_seconds": UNDO_SECONDS,
    }


@console_view(roles=REVIEW_ROLES)
@require_GET
def review(request: ConsoleRequest) -> HttpResponse:
    """One photo at a time, as large as the screen allows, keyboard first."""
    return render(request, "console/review.html", _page_context(request, want=BATCH))


@console_view(roles=REVIEW_ROLES)
@require_GET
def queue(request: ConsoleRequest) -> HttpResponse:
    """The grid: a dozen of the reviewer's own photos at once, uncropped."""
    return render(request, "console/review_queue.html", _page_context(request, want=MAX_HELD))


@console_view(roles=REVIEW_ROLES)
@require_GET
def stack(request: ConsoleRequest) -> HttpResponse:
    """More cards for the review page: photos the reviewer now holds that it does not show yet."""
    facility = request.console.facility
    shown = set(request.GET.get("have", "").split(","))
    held = review_leases_acquire(facility=facility, actor=request.console.actor, want=BATCH)
    photos = [
        photo
        for photo in review_cards(facility=facility, photo_ids=held)
        if str(photo.public_id) not in shown
    ]
    return render(
        request,
        "console/_review_stack.html",
        {"photos": photos, "reasons": _reasons(facility)},
    )


def _counts_json(facility: Facility, user) -> dict:
    counts = review_counts(facility=facility, user=user)
    return {
        "waiting": counts.waiting,
        "waiting_capped": counts.waiting_capped,
        "mine": counts.mine,
        "oldest_minutes": counts.oldest_minutes,
        "oldest_label": counts.oldest_label,
        "target_minutes": counts.target_minutes,
        "target_label": counts.target_label,
        "over_target": counts.over_target,
    }


@console_view(roles=REVIEW_ROLES)
@require_POST
def heartbeat(request: ConsoleRequest) -> JsonResponse:
    """Keep the reviewer's photos on hold; which are still theirs to decide, and the counts."""
    facility = request.console.facility
    held = review_leases_renew(facility=facility, actor=request.console.actor)
    public_ids = dict(Photo.objects.filter(pk__in=held).values_list("pk", "public_id"))
    return JsonResponse(
        {
            "held": [str(public_ids[pk]) for pk in held if pk in public_ids],
            **_counts_json(facility, request.user),
        }
    )


@console_view(roles=REVIEW_ROLES)
@require_POST
def release(request: ConsoleRequest) -> HttpResponse:
    """The reviewer left the page (sent with ``navigator.sendBeacon``): free their photos."""
    review_leases_release(facility=request.console.facility, actor=request.console.actor)
    return HttpResponse(status=204)


# --- Decisions -------------------------------------------------------------------------------------


def _back_to_queue(request: HttpRequest, facility: Facility) -> HttpResponse:
    target = request.POST.get("next", "")
    if target == "review":
        return redirect("console:review", code=facility.code)
    return redirect("console:review_queue", code=facility.code)


def _refused(request: HttpRequest, facility: Facility, text: str, status: int) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse({"ok": False, "text": text}, status=status)
    if is_htmx(request):
        return HttpResponse(text, status=status, content_type="text/plain; charset=utf-8")
    messages.warning(request, text)
    return _back_to_queue(request, facility)


def _already_decided(
    request: HttpRequest, facility: Facility, error: PhotoStateError
) -> HttpResponse:
    """Someone else decided first, or the sender withdrew it: say so rather than fail."""
    photo = error.photo
    status = photo.get_status_display()
    if photo.reviewed_by is not None:
        text = _(
            "Someone else got there first: this photo is already %(status)s (by %(reviewer)s). "
            "Nothing was changed."
        ) % {"status": status, "reviewer": photo.reviewed_by.get_username()}
    else:
        text = _(
            "Someone else got there first: this photo is already %(status)s. Nothing was changed."
        ) % {"status": status}
    if _wants_json(request):
        return JsonResponse({"ok": False, "gone": True, "text": text}, status=409)
    if is_htmx(request):
        return render(request, "console/_review_notice.html", {"text": text, "photo": photo})
    messages.warning(request, text)
    return _back_to_queue(request, facility)


def _decided(request: HttpRequest, facility: Facility, photo: Photo, text: str) -> HttpResponse:
    undo_url = reverse("console:photo_undo", args=[facility.code, photo.public_id])
    if _wants_json(request):
        return JsonResponse({"ok": True, "text": text, "undo_url": undo_url})
    if is_htmx(request):  # the grid: the card becomes a notice with an undo button
        return render(
            request,
            "console/_review_notice.html",
            {"text": text, "photo": photo, "undo_url": undo_url, "undo_seconds": UNDO_SECONDS},
        )
    messages.success(
        request,
        _("%(decision)s You can undo it for %(seconds)s seconds.")
        % {"decision": text, "seconds": UNDO_SECONDS},
    )
    return _back_to_queue(request, facility)


def _reason_from(request: HttpRequest, facility: Facility) -> RejectionReason | None:
    """The posted reason if it is one of this facility's active reasons; None otherwise."""
    try:
        reason_id = int(request.POST.get("reason", ""))
    except ValueError:
        return None
    return RejectionReason.objects.filter(pk=reason_id, facility=facility, is_active=True).first()


def _decide(request: ConsoleRequest, public_id, reason: RejectionReason | None) -> HttpResponse:
    facility = request.console.facility
    photo = facility_photo(facility=facility, public_id=public_id)
    try:
        photo = photo_decide(photo=photo, actor=request.console.actor, reason=reason)
    except PhotoStateError as error:
        return _already_decided(request, facility, error)
    except LeaseError as error:
        return _refused(request, facility, str(error), status=409)
    except ValueError:  # the reason was deactivated between our check and the lock
        return _bad_reason(request, facility)
    if reason is None:
        text = _("Approved the photo for %(name)s.") % {"name": photo.inmate.full_name}
    else:
        text = ngettext(
            "Rejected the photo for %(name)s (%(reason)s); %(sender)s has the %(price)s credit back.",
            "Rejected the photo for %(name)s (%(reason)s); %(sender)s has the %(price)s credits back.",
            photo.price,
        ) % {
            "name": photo.inmate.full_name,
            "reason": reason.label,
            "sender": photo.sender.get_username(),
            "price": photo.price,
        }
    return _decided(request, facility, photo, text)


def _bad_reason(request: ConsoleRequest, facility: Facility) -> HttpResponse:
    text = _("Choose one of this facility's rejection reasons to reject a photo.")
    if _wants_json(request) or is_htmx(request):
        return _refused(request, facility, text, status=400)
    return render(request, "console/bad_request.html", {"text": text}, status=400)


@console_view(roles=REVIEW_ROLES)
@require_POST
def approve(request: ConsoleRequest, public_id) -> HttpResponse:
    return _decide(request, public_id, None)


@console_view(roles=REVIEW_ROLES)
@require_POST
def reject(request: ConsoleRequest, public_id) -> HttpResponse:
    facility_photo(facility=request.console.facility, public_id=public_id)  # 404 before anything
    reason = _reason_from(request, request.console.facility)
    if reason is None:
        return _bad_reason(request, request.console.facility)
    return _decide(request, public_id, reason)


@console_view(roles=REVIEW_ROLES)
@require_POST
def undo(request: ConsoleRequest, public_id) -> HttpResponse:
    """Take back the reviewer's own decision made in the last few seconds."""
    facility = request.console.facility
    photo = facility_photo(facility=facility, public_id=public_id)
    try:
        photo = photo_decision_undo(photo=photo, actor=request.console.actor)
    except UndoRefused as error:
        return _refused(request, facility, str(error), status=409)
    text = _("Undone: the photo for %(name)s is waiting for your decision again.") % {
        "name": photo.inmate.full_name
    }
    if _wants_json(request):
        return JsonResponse({"ok": True, "text": text})
    if is_htmx(request):  # the grid: the notice becomes the card again
        cards = review_cards(facility=facility, photo_ids=[photo.pk])
        return render(
            request, "console/_review_card.html", {"photo": cards[0], "reasons": _reasons(facility)}
        )
    messages.success(request, text)
    return _back_to_queue(request, facility)
