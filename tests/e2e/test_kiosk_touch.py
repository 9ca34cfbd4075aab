"""A wall-mounted portrait kiosk (1080x1920, touch, no keyboard) in a real browser.

An enrolled kiosk: the person types their number (it has a letter) and PIN on the on-screen pads,
approves a request, sees new photos first with a badge, opens one full screen, swipes to the next
(fetched ahead, its view recorded only once shown), blocks a sender from the connections page,
and is signed out after the idle time; Back then shows nothing of them.

With ``KINFRAME_UPDATE_DOCS_IMAGES=1`` four screens are also written to ``docs/images/``.
"""

from __future__ import annotations

import io
import os
import re
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image, ImageOps
from playwright.sync_api import expect
from tests.e2e.conftest import SCREENSHOTS
from tests.factories import (
    PIN,
    ConnectionFactory,
    DeliveredPhotoFactory,
    FacilityFactory,
    InmateFactory,
    UserFactory,
)

from kinframe.audit.actors import SYSTEM
from kinframe.connections.models import Connection
from kinframe.devices.services import kiosk_device_enrol
from kinframe.photos.models import PhotoView

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
PHOTOS = ROOT / "tests" / "fixtures" / "photos"
DOCS_IMAGES = ROOT / "docs" / "images"
PORTRAIT = {"width": 1080, "height": 1920}
IDLE_SECONDS = 4  # only for the last step: earlier steps must not race a short idle timer
NUMBER = "A1042"


def delivered(connection, fixture: str, hours_ago: int):
    """A delivered photo whose files are a real picture (resized as the pipeline would)."""
    photo = DeliveredPhotoFactory(
        connection=connection,
        files=False,
        reviewed_at=timezone.now() - timedelta(hours=hours_ago),
    )
    with Image.open(PHOTOS / fixture) as original:
        picture = ImageOps.exif_transpose(original).convert("RGB")
    for field, size, name in ((photo.image, 1600, "display.jpg"), (photo.thumbnail, 400, "t.jpg")):
        copy = picture.copy()
        copy.thumbnail((size, size))
        buffer = io.BytesIO()
        copy.save(buffer, "JPEG", quality=85)
        field.save(name, ContentFile(buffer.getvalue()), save=False)
    photo.width, photo.height = picture.size
    photo.save(update_fields=["image", "thumbnail", "width", "height"])
    return photo


def shot(page, name: str, *, docs: str = "") -> None:
    """Screenshot to artifacts/; with KINFRAME_UPDATE_DOCS_IMAGES=1 also a small PNG for the README."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    png = page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))
    if docs and os.environ.get("KINFRAME_UPDATE_DOCS_IMAGES") == "1":
        with Image.open(io.BytesIO(png)) as image:
            half = image.convert("RGB").resize((540, 960), Image.Resampling.LANCZOS)
            half.quantize(colors=128, dither=Image.Dither.FLOYDSTEINBERG).save(
                DOCS_IMAGES / f"{docs}.png", optimize=True
            )


def images_loaded(page, selector: str) -> None:
    page.wait_for_function(
        "s => [...document.querySelectorAll(s)].every(i => i.complete && i.naturalWidth > 0)",
        arg=selector,
    )


def small_targets(page) -> list[str]:
    """Visible buttons and links smaller than 48x48 CSS pixels (the issue's minimum)."""
    return page.evaluate(
        """() => [...document.querySelectorAll('button, a, input')]
             .filter(e => e.offsetParent !== null || getComputedStyle(e).position === 'fixed')
             .map(e => [e, e.getBoundingClientRect()])
             .filter(([e, r]) => r.width > 0 && (r.width < 48 || r.height < 48))
             .map(([e, r]) => `${e.tagName} "${e.textContent.trim()}" ${r.width}x${r.height}`)"""
    )


def tap_keys(page, pad: str, keys: str) -> None:
    for key in keys:
        page.get_by_test_id(pad).locator(f"[data-key='{key}']").click()


def swipe(page, dx: int) -> None:
    """A finger dragged across the middle of the screen (pointer events, as a touch screen sends)."""
    x, y = PORTRAIT["width"] / 2, PORTRAIT["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    for i in range(1, 6):
        page.mouse.move(x + dx * i / 5, y)
    page.mouse.up()


def test_portrait_touch_kiosk_from_pin_pad_to_idle_sign_out(
    browser, live_server, settings, monkeypatch
):
    facility = FacilityFactory(name="Riverside County Jail", code="riverside")
    person = InmateFactory(facility=facility, first_name="Dana", number=NUMBER, pin=PIN)
    asking = ConnectionFactory(
        inmate=person,
        sender=UserFactory(username="grace", first_name="Grace", last_name="Hill"),
        status=Connection.Status.REQUESTED,
        relationship="aunt",
    )
    maria = ConnectionFactory(
        inmate=person, sender=UserFactory(first_name="Maria", last_name="Whitfield")
    )
    sam = ConnectionFactory(inmate=person, sender=UserFactory(first_name="Sam", last_name="Ortiz"))
    seen = delivered(sam, "gps_DSCN0010.jpg", hours_ago=1)  # newest, but already opened
    PhotoView.objects.create(photo=seen, viewer_kind="inmate", viewer_inmate=person)
    first = delivered(maria, "orientation_landscape_1.jpg", hours_ago=2)
    second = delivered(maria, "orientation_portrait_1.jpg", hours_ago=3)
    third = delivered(sam, "Canon_40D.jpg", hours_ago=4)
    _, code = kiosk_device_enrol(actor=SYSTEM, facility=facility, name="Block B day room")

    kiosk = browser.new_context(viewport=PORTRAIT, base_url=live_server.url, has_touch=True)
    kiosk.set_default_timeout(15_000)
    errors: list[str] = []
    try:
        page = kiosk.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(f"/kiosk/enrol/?code={code}")
        page.get_by_test_id("kiosk-enrol-submit").click()
        page.wait_for_url("**/kiosk/sign-in/")

        # 1. Sign in on the pads: letters and digits for the number, digits for the PIN.
        number, pin = page.get_by_label("Your number"), page.get_by_label("PIN")
        expect(number).to_have_attribute("inputmode", "none")  # no system keyboard over the pad
        expect(page.get_by_test_id("pad-letters")).to_be_visible()
        expect(page.get_by_test_id("pad-digits")).to_be_hidden()
        tap_keys(page, "pad-letters", NUMBER[:3])
        assert small_targets(page) == []
        shot(page, "kiosk-touch-01-number-pad", docs="kiosk-sign-in-pad")
        tap_keys(page, "pad-letters", NUMBER[3:])
        page.get_by_test_id("pad-letters").get_by_text("Next").click()
        expect(page.get_by_test_id("pad-digits")).to_be_visible()
        expect(page.get_by_test_id("pad-letters")).to_be_hidden()
        tap_keys(page, "pad-digits", PIN + "9")
        page.get_by_test_id("pad-digits").get_by_label("Delete").click()
        expect(number).to_have_value(NUMBER)
        expect(pin).to_have_value(PIN)
        shot(page, "kiosk-touch-02-pin-pad")
        expect(page.get_by_test_id("pad-digits").get_by_text("Next")).to_be_hidden()
        page.get_by_test_id("kiosk-sign-in").click()
        page.wait_for_url(re.compile(r"/kiosk/$"))

        # 2. Home: the request, and the two photos not opened yet first, each marked New.
        expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Dana")
        expect(page.get_by_test_id("new-count")).to_have_text("3 new")
        tiles = page.get_by_test_id("gallery-photo")
        expect(tiles).to_have_count(4)
        order = [str(p.public_id) for p in (first, second, third, seen)]
        assert [tiles.nth(i).get_attribute("data-photo-id") for i in range(4)] == order
        expect(page.locator(".kiosk-tile-new")).to_have_count(3)
        expect(tiles.nth(3).get_by_test_id("new-badge")).to_have_count(0)
        images_loaded(page, ".kiosk-grid img")
        assert small_targets(page) == []
        shot(page, "kiosk-touch-03-home", docs="kiosk-home-new-photos")
        request = page.get_by_test_id("pending-request")
        expect(request.get_by_test_id("request-sender")).to_have_text("Grace Hill")
        request.get_by_test_id("approve-request").click()
        expect(page.locator(".message-success")).to_contain_text("Grace Hill can now send you")
        expect(page.get_by_test_id("pending-request")).to_have_count(0)

        # 3. The first new photo full screen; the next one is fetched ahead but not yet a view.
        with page.expect_response(re.compile(rf"{second.public_id}/display/\?ahead=1")):
            tiles.first.click()
        page.wait_for_url(f"**/kiosk/photos/{first.public_id}/")
        viewer = page.get_by_test_id("photo-viewer")
        box = viewer.bounding_box()
        assert box is not None
        assert (box["width"], box["height"]) == (1080, 1920)
        images_loaded(page, "[data-testid=photo-display]")
        expect(page.get_by_test_id("photo-caption")).to_contain_text("From Maria Whitfield")
        expect(page.get_by_test_id("photo-newer")).to_be_visible()  # Sam's, delivered later
        expect(page.get_by_test_id("photo-older")).to_be_visible()
        assert small_targets(page) == []
        shot(page, "kiosk-touch-04-viewer", docs="kiosk-viewer-full-screen")
        assert PhotoView.objects.filter(photo=first).count() == 1
        assert not PhotoView.objects.filter(photo=second).exists()

        # 4. Swipe left: the next (older) photo, its view recorded once it is on screen.
        with page.expect_response(re.compile(rf"{second.public_id}/shown/")) as shown:
            swipe(page, -400)
        assert shown.value.status == 200
        expect(page).to_have_url(re.compile(rf"/kiosk/photos/{second.public_id}/$"))
        expect(page.get_by_test_id("photo-display")).to_have_attribute(
            "src", re.compile(rf"{second.public_id}/display/\?ahead=1")
        )
        images_loaded(page, "[data-testid=photo-display]")
        assert PhotoView.objects.filter(photo=second, viewer_inmate=person).count() == 1
        shot(page, "kiosk-touch-05-swiped")
        # The keyboard's arrow (and the arrow button) go back to the newer one.
        with page.expect_response(re.compile(rf"{first.public_id}/shown/")):
            page.keyboard.press("ArrowLeft")
        expect(page.get_by_test_id("photo-caption")).to_contain_text("Maria Whitfield")
        page.get_by_test_id("photo-back").click()
        page.wait_for_url(re.compile(r"/kiosk/$"))
        expect(page.get_by_test_id("new-count")).to_have_text("1 new")

        # 5. Connections: block Sam (asked first, on a page of its own). From here the session's
        # last-seen time is kept to the second, so shortening the idle time for the last step
        # cannot sign Dana out on the server before the screen's own timer does.
        monkeypatch.setattr("kinframe.kiosk.access.SEEN_RESOLUTION", 0)
        page.get_by_test_id("kiosk-nav-connections").click()
        page.wait_for_url("**/kiosk/connections/")
        rows = page.get_by_test_id("connection")
        expect(rows).to_have_count(3)
        assert small_targets(page) == []
        shot(page, "kiosk-touch-06-connections", docs="kiosk-connections")
        rows.filter(has_text="Sam Ortiz").get_by_test_id("connection-block").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Block Sam Ortiz?")
        page.get_by_test_id("connection-confirm-block").click()
        expect(page.locator(".message-success")).to_contain_text("You blocked Sam Ortiz.")
        expect(rows).to_have_count(2)
        sam.refresh_from_db()
        assert sam.status == Connection.Status.BLOCKED
        asking.refresh_from_db()
        assert asking.status == Connection.Status.APPROVED

        # 6. Nobody touches the screen: it signs out by itself, and Back shows nothing of Dana.
        settings.KIOSK_IDLE_SECONDS = IDLE_SECONDS
        page.get_by_test_id("kiosk-nav-photos").click()
        page.wait_for_url(re.compile(r"/kiosk/$"))
        expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Dana")
        left_alone = time.monotonic()
        page.wait_for_url("**/kiosk/sign-in/", timeout=(IDLE_SECONDS + 10) * 1000)
        assert time.monotonic() - left_alone > IDLE_SECONDS - 1
        expect(page.locator(".message")).to_have_text(
            "You were signed out because the screen was not used."
        )
        shot(page, "kiosk-touch-07-signed-out")
        for _ in range(3):
            page.go_back()
            page.wait_for_load_state()
            text = page.locator("body").inner_text()
            assert "Dana" not in text
            assert NUMBER not in text
            expect(page.locator("img")).to_have_count(0)
            expect(page.get_by_test_id("kiosk-sign-in-form")).to_be_visible()
        assert errors == []
    finally:
        kiosk.close()
