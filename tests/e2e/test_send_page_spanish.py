"""The send page's script speaks the reader's language: its sentences come from the page."""

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect
from tests.e2e.conftest import VIEWPORTS
from tests.factories import ConnectionFactory, give_credits
from tests.photos.photo_helpers import image_bytes

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_spanish_reader_is_told_in_spanish_before_any_upload(browser, live_server):
    connection = ConnectionFactory()
    sender = connection.sender
    sender.language = "es"
    sender.save(update_fields=["language"])
    give_credits(sender, 500)
    client = Client()
    client.force_login(sender)
    context = browser.new_context(viewport=VIEWPORTS["phone"], base_url=live_server.url)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    try:
        page = context.new_page()
        page.goto(f"/photos/send/{connection.pk}/")
        picker = page.get_by_test_id("photo-input")
        picker.set_input_files(
            [{"name": "carta.jpg", "mimeType": "image/jpeg", "buffer": b"%PDF-1.4 not a photo"}]
        )
        error = page.get_by_test_id("send-js-error")
        expect(error).to_contain_text("carta.jpg: Este archivo no es una foto que podamos aceptar.")
        expect(error).to_contain_text("Vuelva a elegir sus fotos sin esta.")
        expect(error).not_to_contain_text("This file")
        expect(page.locator(".refused")).to_contain_text("No se puede enviar")

        photo = image_bytes("JPEG", (640, 480))
        picker.set_input_files([{"name": "uno.jpg", "mimeType": "image/jpeg", "buffer": photo}])
        expect(page.locator("#photo-word")).to_have_text("foto")
        picker.set_input_files(
            [
                {"name": "uno.jpg", "mimeType": "image/jpeg", "buffer": photo},
                {"name": "dos.jpg", "mimeType": "image/jpeg", "buffer": photo},
            ]
        )
        expect(page.locator("#photo-word")).to_have_text("fotos")
        expect(page.get_by_test_id("total-price")).to_have_text("200")
    finally:
        context.close()
