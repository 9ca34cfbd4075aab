"""Sending photos, the history of what was sent, and the sender's own thumbnails."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from kinframe.connections.models import Connection
from kinframe.credits.selectors import balance_of
from kinframe.credits.services import InsufficientCredits
from kinframe.facilities.models import Inmate
from kinframe.keyset import keyset_page
from kinframe.photos.appeals import AppealError, appeal_create, appeal_deadline, appeal_refusal
from kinframe.photos.flags import SendWarning, send_warnings
from kinframe.photos.imaging import ACCEPTED_FORMATS_TEXT, UnsupportedImage
from kinframe.photos.models import Photo
from kinframe.photos.selectors import photos_sent_by
from kinframe.photos.services import (
    PhotoSendError,
    PhotoStateError,
    PhotoStorageUnavailable,
    photo_send_many,
    photo_withdraw,
)
from kinframe.photos.serving import photo_file_response
from kinframe.restrictions.selectors import send_refusal

from ..access import SenderRequest, verified_sender_required

HISTORY_PAGE_SIZE = 20


def _buy_credits_url() -> str:
    try:
        return reverse("sender:credits")
    except NoReverseMatch:  # the credits pages are not installed
        return ""


def _own_photo(request: HttpRequest, public_id) -> Photo:
    """The sender's own photo, or 404: another sender's photo does not exist for them."""
    return get_object_or_404(Photo, public_id=public_id, sender=request.user)


def _wants_json(request: HttpRequest) -> bool:
    return request.headers.get("X-Requested-With") == "XMLHttpRequest"


@verified_sender_required
@require_http_methods(["GET", "POST"])
def photo_send(request: SenderRequest, connection_id: int) -> HttpResponse:
    """Pick photos for one person, see the price, and send them (XHR with progress, or a plain form)."""
    connection = get_object_or_404(
        Connection.objects.select_related("inmate__facility"),
        pk=connection_id,
        sender=request.user,
        status=Connection.Status.APPROVED,
    )
    if request.method == "POST":
        return _send(request, connection)
    return _send_page(request, connection)


def _send_page(
    request: HttpRequest,
    connection: Connection,
    *,
    error: str = "",
    status: int = 200,
    warnings: list[SendWarning] | None = None,
) -> TemplateResponse:
    inmate = connection.inmate
    # A block or a suspension is said plainly here, before the sender picks (and pays for) photos.
    restriction = send_refusal(sender=request.user, inmate=inmate)
    can_send = (
        inmate.status == Inmate.Status.ACTIVE
        and inmate.facility.photos_enabled
        and restriction is None
    )
    price = inmate.facility.photo_price
    balance = balance_of(request.user)
    context = {
        "connection": connection,
        "inmate": connection.inmate,
        "facility": connection.inmate.facility,
        "price": price,
        "balance": balance,
        "can_send": can_send,
        "restriction": restriction,
        "max_per_send": settings.PHOTO_MAX_PER_SEND,
        "max_megabytes": settings.PHOTO_MAX_UPLOAD_BYTES // (1024 * 1024),
        "max_bytes": settings.PHOTO_MAX_UPLOAD_BYTES,  # for the page's checks before upload
        "max_pixels": settings.PHOTO_MAX_PIXELS,
        # The same words as photos.sending's refusals, so the catalog has them ("... HEIC o GIF").
        "accepted_formats": gettext(ACCEPTED_FORMATS_TEXT),
        "buy_credits_url": _buy_credits_url(),
        "affordable": balance // price,
        "error": error,
        "warnings": warnings or [],
    }
    return TemplateResponse(request, "sender/photos/send.html", context, status=status)


def _send(request: SenderRequest, connection: Connection) -> HttpResponse:
    def refuse(message: str, status: int) -> HttpResponse:
        if _wants_json(request):
            data = {"ok": False, "message": message}
            if status == 402 and _buy_credits_url():
                data["buy_credits_url"] = _buy_credits_url()
            return JsonResponse(data, status=status)
        return _send_page(request, connection, error=message, status=status)

    try:
        uploads = request.FILES.getlist("photos")
    except MultiPartParserError:
        return refuse(gettext("The upload did not arrive complete. Please try again."), 400)
    if not uploads:
        return refuse(gettext("Choose at least one photo to send."), 400)
    if request.POST.get("confirm") != "1":
        warnings = _warnings_for(connection, uploads)
        if warnings:
            return _warn(request, connection, warnings)
    try:
        photos = photo_send_many(actor=request.actor, connection=connection, uploads=uploads)
    except UnsupportedImage as exc:
        name = getattr(exc, "filename", "")
        return refuse(f"{name}: {exc}" if name else str(exc), 400)
    except InsufficientCredits:
        total = len(uploads) * connection.inmate.facility.photo_price
        return refuse(
            ngettext(
                "Sending %(count)s photo costs %(total)s credits but your balance is "
                "%(balance)s. Buy credits to continue; nothing was charged.",
                "Sending %(count)s photos costs %(total)s credits but your balance is "
                "%(balance)s. Buy credits to continue; nothing was charged.",
                len(uploads),
            )
            % {"count": len(uploads), "total": total, "balance": balance_of(request.user)},
            402,
        )
    except PhotoSendError as exc:
        return refuse(str(exc), 400)
    except PhotoStorageUnavailable as exc:
        # Our disk or database, not the sender's files: 503 says "try again later".
        response = refuse(str(exc), 503)
        response["Retry-After"] = "120"
        return response
    charged = sum(photo.price for photo in photos)
    messages.success(
        request,
        # Two counts, each with its own plural ("1 photo sent, 1 credit charged" at a 1-credit price).
        gettext("%(photos)s, %(credits)s.")
        % {
            "photos": ngettext("%(count)s photo sent", "%(count)s photos sent", len(photos))
            % {"count": len(photos)},
            "credits": ngettext(
                "%(charged)s credit charged", "%(charged)s credits charged", charged
            )
            % {"charged": charged},
        },
    )
    url = reverse("sender:photos")
    if _wants_json(request):
        return JsonResponse({"ok": True, "redirect": url, "count": len(photos), "charged": charged})
    return redirect(url)


# --- Warn before paying: which files the facility is likely to refuse, before any credit moves ---


def _warnings_for(connection: Connection, uploads) -> list[SendWarning]:
    """Read each upload (at most one byte over the limit) and ask the flags what they would say."""
    limit = settings.PHOTO_MAX_UPLOAD_BYTES
    files = []
    for upload in uploads[: settings.PHOTO_MAX_PER_SEND]:
        upload.seek(0)
        files.append((upload.name or "photo", upload.read(limit + 1)))
        upload.seek(0)
    return send_warnings(facility_id=connection.inmate.facility_id, files=files)


def _warning_data(warnings: list[SendWarning]) -> list[dict]:
    return [
        {"filename": w.filename, "kind": w.kind, "label": w.label, "rule": w.rule} for w in warnings
    ]


WARNING_MESSAGE = _(
    "The facility is likely to refuse some of these photos. Nothing was charged: "
    "remove them, or send anyway."
)


def _warn(request: SenderRequest, connection: Connection, warnings) -> HttpResponse:
    """Nothing was kept or charged: say which files and why, and let the sender decide."""
    if _wants_json(request):
        return JsonResponse(
            {"ok": False, "message": str(WARNING_MESSAGE), "warnings": _warning_data(warnings)},
            status=409,
        )
    return _send_page(request, connection, status=409, warnings=warnings)


@verified_sender_required
@require_POST
def photo_send_check(request: SenderRequest, connection_id: int) -> JsonResponse:
    """The send page asks this with the chosen files before the real upload; nothing is stored."""
    connection = get_object_or_404(
        Connection.objects.select_related("inmate__facility"),
        pk=connection_id,
        sender=request.user,
        status=Connection.Status.APPROVED,
    )
    try:
        uploads = request.FILES.getlist("photos")
    except MultiPartParserError:
        return JsonResponse(
            {"warnings": [], "message": gettext("The upload did not arrive complete.")}, status=400
        )
    return JsonResponse({"warnings": _warning_data(_warnings_for(connection, uploads))})


# --- Appeals -------------------------------------------------------------------------------------


@verified_sender_required
@require_POST
def photo_appeal(request: SenderRequest, public_id) -> HttpResponse:
    """Ask once, within 30 days, for a second look at a rejection; costs the photo's price again."""
    photo = _own_photo(request, public_id)
    try:
        appeal_create(actor=request.actor, photo=photo, note=request.POST.get("note", ""))
    except AppealError as exc:
        messages.error(request, str(exc))
    except InsufficientCredits:
        messages.error(
            request,
            gettext(
                "An appeal costs %(price)s credits and your balance is %(balance)s. "
                "Buy credits to appeal; nothing was charged."
            )
            % {"price": photo.price, "balance": balance_of(request.user)},
        )
    else:
        messages.success(
            request,
            ngettext(
                "Appeal sent; %(price)s credit charged. Another reviewer will look at the photo; "
                "if they keep the rejection you get the credit back.",
                "Appeal sent; %(price)s credits charged. Another reviewer will look at the photo; "
                "if they keep the rejection you get the credits back.",
                photo.price,
            )
            % {"price": photo.price},
        )
    return redirect("sender:photos")


@verified_sender_required
def photo_history(request: SenderRequest) -> TemplateResponse:
    """Every photo the sender sent, newest first, with what happened to it."""
    page = keyset_page(
        request, photos_sent_by(sender=request.user), key="created_at", per_page=HISTORY_PAGE_SIZE
    )
    now = timezone.now()
    for photo in page.object_list:
        appeal = getattr(photo, "appeal", None) if photo.status == Photo.Status.REJECTED else None
        photo.appeal_open = photo.status == Photo.Status.REJECTED and (
            appeal_refusal(photo, now=now, appealed=appeal is not None) is None
        )
        photo.appeal_deadline = appeal_deadline(photo)
    return TemplateResponse(
        request,
        "sender/photos/history.html",
        {
            "page": page,
            "photos": page.object_list,
            "balance": balance_of(request.user),
            "processing": any(p.status == Photo.Status.RECEIVED for p in page.object_list),
        },
    )


@verified_sender_required
def photo_thumbnail(request: SenderRequest, public_id) -> HttpResponseBase:
    """The sender's own photo, small. Not a "view" of the photo: nothing is recorded."""
    return photo_file_response(_own_photo(request, public_id), "thumbnail")


@verified_sender_required
@require_POST
def photo_withdraw_view(request: SenderRequest, public_id) -> HttpResponse:
    photo = _own_photo(request, public_id)
    try:
        photo = photo_withdraw(photo=photo, actor=request.actor)
    except PhotoStateError as exc:
        messages.error(request, str(exc))
    except PermissionError as exc:  # pragma: no cover - _own_photo already checked
        raise Http404 from exc
    else:
        messages.success(
            request,
            ngettext(
                "Photo withdrawn; %(price)s credit refunded.",
                "Photo withdrawn; %(price)s credits refunded.",
                photo.price,
            )
            % {"price": photo.price},
        )
    return redirect("sender:photos")
