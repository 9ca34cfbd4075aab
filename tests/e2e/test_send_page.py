"""The send page in Chromium: checks before upload, previews, running total, XHR upload with
progress, the no-JS form."""

import struct
import zlib
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect
from tests.e2e.conftest import SCREENSHOTS, VIEWPORTS
from tests.factories import ConnectionFactory, give_credits
from tests.photos.photo_helpers import balance_of, image_bytes

from kinframe.photos.models import Photo

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "photos"


@pytest.fixture
def chromium(browser):
    """The session's one Chromium (tests/e2e/conftest.py)."""
    return browser


@pytest.fixture
def signed_in(chromium, live_server):
    """A phone-sized browser signed in as the sender of an approved connection."""
    contexts = []

    def make(credits: int, *, javascript: bool = True):
        connection = ConnectionFactory()
        give_credits(connection.sender, credits)
        client = Client()
        client.force_login(connection.sender)
        context = chromium.new_context(
            viewport=VIEWPORTS["phone"], base_url=live_server.url, java_script_enabled=javascript
        )
        context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                    "url": live_server.url,
                }
            ]
        )
        contexts.append(context)
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(f"/photos/send/{connection.pk}/")
        return connection, page, errors

    yield make
    for context in contexts:
        context.close()


def files(*names):
    return [
        {"name": n, "mimeType": "image/jpeg", "buffer": image_bytes("JPEG", (640, 480))}
        for n in names
    ]


def test_pick_two_photos_see_total_and_send_with_progress(signed_in):
    connection, page, errors = signed_in(500)
    expect(page.get_by_test_id("total-price")).to_have_text("0")
    page.get_by_test_id("photo-input").set_input_files(files("one.jpg", "two.jpg"))
    expect(page.get_by_test_id("preview")).to_have_count(2)
    expect(page.get_by_test_id("total-price")).to_have_text("200")
    expect(page.get_by_test_id("low-balance")).to_be_hidden()
    page.get_by_test_id("photo-input").set_input_files(files("one.jpg", "two.jpg"))
    expect(page.get_by_test_id("preview").locator("img")).to_have_count(2)

    with page.expect_request(lambda r: r.method == "POST") as sent:
        page.get_by_test_id("send-button").click()
    assert sent.value.headers.get("x-requested-with") == "XMLHttpRequest"
    page.wait_for_url("**/photos/")
    expect(page.locator(".message-success")).to_have_text("2 photos sent, 200 credits charged.")
    expect(page.get_by_test_id("photo-status")).to_have_count(2)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert balance_of(connection.sender) == 300
    assert Photo.objects.filter(sender=connection.sender, status="pending_review").count() == 2
    assert errors == []


def test_too_few_credits_shows_the_message_and_charges_nothing(signed_in):
    connection, page, _errors = signed_in(150)  # the 402 itself is logged as a console error
    page.get_by_test_id("photo-input").set_input_files(files("a.jpg", "b.jpg"))
    expect(page.get_by_test_id("total-price")).to_have_text("200")
    expect(page.get_by_test_id("low-balance")).to_be_visible()
    page.get_by_test_id("send-button").click()
    expect(page.get_by_test_id("send-js-error")).to_contain_text("costs 200 credits")
    expect(page.get_by_test_id("send-button")).to_be_enabled()
    assert balance_of(connection.sender) == 150
    assert not Photo.objects.filter(sender=connection.sender).exists()


def test_refused_file_is_named(signed_in):
    connection, page, _ = signed_in(500)
    page.get_by_test_id("photo-input").set_input_files(
        [{"name": "letter.jpg", "mimeType": "image/jpeg", "buffer": b"%PDF-1.4 not a photo"}]
    )
    page.get_by_test_id("send-button").click()
    expect(page.get_by_test_id("send-js-error")).to_contain_text("letter.jpg: ")
    assert balance_of(connection.sender) == 500


def test_without_javascript_the_plain_form_sends(signed_in):
    connection, page, _ = signed_in(500, javascript=False)
    page.get_by_test_id("photo-input").set_input_files(files("plain.jpg"))
    page.get_by_test_id("send-button").click()
    page.wait_for_url("**/photos/")
    expect(page.locator(".message-success")).to_have_text("1 photo sent, 100 credits charged.")
    assert balance_of(connection.sender) == 400


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def png_header_claiming(width: int, height: int) -> bytes:
    """A small PNG whose header claims ``width x height`` (a decompression bomb's shape)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    return (
        b"\x89PNG\r\n\x1a\n"
        + struct.pack(">I", len(ihdr))
        + chunk
        + struct.pack(">I", zlib.crc32(chunk))
        + b"\0" * 64
    )


def test_oversized_and_non_image_files_are_refused_before_any_upload(signed_in, tmp_path):
    """A 59 MB photo, a PDF named .jpg and a 400 MP header are refused on the phone at once:
    no request leaves the page, not even when Send is pressed."""
    connection, page, errors = signed_in(500)
    posts = []
    page.on("request", lambda r: posts.append(r.url) if r.method != "GET" else None)
    big = tmp_path / "holiday.jpg"
    with big.open("wb") as out:  # a real JPEG start, then sparse space up to 59 MB
        out.write(image_bytes("JPEG", (640, 480)))
        out.truncate(59 * 1024 * 1024)
    letter = tmp_path / "letter.jpg"
    letter.write_bytes(b"%PDF-1.4 not a photo" + b"\0" * 100)
    huge = tmp_path / "huge.png"
    huge.write_bytes(png_header_claiming(20_000, 20_000))

    page.get_by_test_id("photo-input").set_input_files([str(big), str(letter), str(huge)])
    error = page.get_by_test_id("send-js-error")
    expect(error).to_contain_text("holiday.jpg: This file is too large (59 MB).")
    expect(error).to_contain_text("at most 25 MB")
    expect(error).to_contain_text("letter.jpg: This file is not a photo we can accept.")
    expect(error).to_contain_text("huge.png: This photo has too many pixels (20000 x 20000).")
    expect(page.locator(".refused")).to_have_count(3)
    shot(page, "send-refused-before-upload-phone")

    page.get_by_test_id("send-button").click()
    expect(error).to_contain_text("Choose your photos again without them.")
    expect(page.get_by_test_id("send-button")).to_be_enabled()
    page.wait_for_timeout(300)  # time enough for an upload to have started, were one made
    assert posts == []
    assert balance_of(connection.sender) == 500
    assert not Photo.objects.filter(sender=connection.sender).exists()

    # Choosing again without them clears the refusal and sends.
    page.get_by_test_id("photo-input").set_input_files(files("fine.jpg"))
    expect(error).to_be_hidden()
    with page.expect_request(lambda r: r.method == "POST"):
        page.get_by_test_id("send-button").click()
    page.wait_for_url("**/photos/")
    assert balance_of(connection.sender) == 400
    assert errors == []


def test_heic_shows_a_placeholder_with_name_and_size_and_sends(signed_in):
    """Chromium cannot show HEIC: a clear placeholder, never a broken image; the server takes it."""
    connection, page, errors = signed_in(500)
    heic = FIXTURES / "heic_IMG_5195.HEIC"
    page.get_by_test_id("photo-input").set_input_files(
        [
            {"name": heic.name, "mimeType": "image/heic", "buffer": heic.read_bytes()},
            {"name": "one.jpg", "mimeType": "image/jpeg", "buffer": image_bytes()},
        ]
    )
    previews = page.get_by_test_id("preview")
    expect(previews).to_have_count(2)
    expect(previews.nth(0).get_by_test_id("no-preview")).to_contain_text("HEIC photo")
    expect(previews.nth(0)).to_contain_text(
        f"heic_IMG_5195.HEIC · {round(heic.stat().st_size / 1024)} KB"
    )
    expect(previews.nth(0).locator("img")).to_have_count(0)
    expect(previews.nth(1).locator("img")).to_have_count(1)
    loaded = previews.nth(1).locator("img").evaluate("img => img.complete && img.naturalWidth")
    assert loaded == 800
    expect(page.get_by_test_id("send-js-error")).to_be_hidden()
    shot(page, "send-heic-placeholder-phone")

    page.get_by_test_id("send-button").click()
    page.wait_for_url("**/photos/")
    expect(page.locator(".message-success")).to_have_text("2 photos sent, 200 credits charged.")
    assert balance_of(connection.sender) == 300
    assert errors == []
