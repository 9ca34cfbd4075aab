"""The send page in Chromium: previews, running total, XHR upload with progress, the no-JS form."""

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect
from tests.e2e.conftest import VIEWPORTS
from tests.factories import ConnectionFactory, give_credits
from tests.photos.photo_helpers import balance_of, image_bytes

from kinframe.photos.models import Photo

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


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
    # A HEIC file (which Chromium cannot show) gets its name instead of a picture.
    page.get_by_test_id("photo-input").set_input_files(
        [{"name": "IMG_0001.HEIC", "mimeType": "image/heic", "buffer": b"\0\0\0\x18ftypheic"}]
    )
    expect(page.locator(".no-preview")).to_have_text("IMG_0001.HEIC")
    page.get_by_test_id("photo-input").set_input_files(files("one.jpg", "two.jpg"))

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
