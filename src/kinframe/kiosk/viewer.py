"""The full-screen photo viewer: one photo at a time, swiped or stepped newer and older.

Every opening of a photo by its recipient is recorded as a ``PhotoView``, once per time it is
shown, never for bytes fetched ahead that the person did not see:

* without JavaScript each step is a page, and fetching its display file records the view;
* with JavaScript (kiosk.js) the viewer fetches the next photo ahead (``?ahead=1``: served, not
  recorded), swaps it in when the person swipes or taps an arrow, and then posts to ``shown/``,
  which records the view and answers the new neighbours, so the screen never waits on the network.
"""

from __future__ import annotations

from uuid import UUID

from django.http import Http404, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from kinframe.photos.models import Photo
from kinframe.photos.services import photo_record_view
from kinframe.photos.serving import VARIANTS, photo_file_response

from .access import KioskRequest, kiosk_view
from .selectors import delivered_photo, photo_neighbours
from .views import kiosk_context


def caption(photo: Photo) -> str:
    """ "From Maria · March 3, 2026": who sent it and the facility's date it was delivered."""
    name = photo.sender.get_full_name() or photo.sender.get_username()
    delivered = timezone.localtime(photo.delivered_at)  # type: ignore[attr-defined]
    return gettext("From %(name)s · %(date)s") % {
        "name": name,
        "date": date_format(delivered, gettext("F j, Y")),
    }


def step(photo: Photo | None) -> dict | None:
    """What the viewer needs to show ``photo`` next: its page, its file fetched ahead, its caption."""
    if photo is None:
        return None
    kwargs = {"public_id": photo.public_id}
    display = reverse("kiosk:photo_file", kwargs={**kwargs, "variant": "display"})
    return {
        "page": reverse("kiosk:photo", kwargs=kwargs),
        "ahead": f"{display}?ahead=1",
        "shown": reverse("kiosk:photo_shown", kwargs=kwargs),
        "caption": caption(photo),
    }


def _own_photo(request: KioskRequest, public_id: UUID) -> Photo:
    photo = delivered_photo(inmate=request.kiosk.person, public_id=public_id)
    if photo is None:
        raise Http404("No such photo.")
    return photo


@never_cache
@require_GET
@kiosk_view()
def photo_viewer(request: KioskRequest, public_id: UUID) -> HttpResponse:
    """One photo full screen with arrows to the newer and older ones; its display file records
    the view."""
    photo = _own_photo(request, public_id)
    newer, older = photo_neighbours(inmate=request.kiosk.person, photo=photo)
    return TemplateResponse(
        request,
        "kiosk/photo.html",
        kiosk_context(
            request,
            photo=photo,
            caption=caption(photo),
            newer=step(newer),
            older=step(older),
        ),
    )


@require_POST
@kiosk_view(stranger="404")
def photo_shown(request: KioskRequest, public_id: UUID) -> JsonResponse:
    """The viewer swapped in a photo it had fetched ahead: record the view, say what is next."""
    photo = _own_photo(request, public_id)
    photo_record_view(photo=photo, actor=request.kiosk.person_actor, variant="display")
    newer, older = photo_neighbours(inmate=request.kiosk.person, photo=photo)
    response = JsonResponse({"newer": step(newer), "older": step(older)})
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@kiosk_view(stranger="404")
def photo_file(request: KioskRequest, public_id: UUID, variant: str) -> HttpResponseBase:
    """The photo's bytes, only for its recipient, only once it is delivered.

    Each fetch of the display variant is one opening of the photo and records one PhotoView,
    except a fetch ahead (``?ahead=1``) by the viewer, which records the view through ``shown/``
    if and when it puts the photo on screen. Thumbnails in the gallery are not views. Anybody
    else, signed in or not, gets the same 404 as for a photo that does not exist.
    """
    if variant not in VARIANTS:
        raise Http404("No such photo.")
    photo = _own_photo(request, public_id)
    response = photo_file_response(photo, variant)
    if variant == "display" and request.GET.get("ahead") != "1":
        photo_record_view(photo=photo, actor=request.kiosk.person_actor, variant=variant)
    return response
