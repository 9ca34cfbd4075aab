"""A family member who reads Spanish, on a 390x844 phone, with only a mobile number.

The browser asks for Spanish; nobody chooses a language. She signs up with her mobile number,
verifies with the code texted to her (read from the SMS outbox), finds the person, buys credits
with the sandbox card and sends a photo, and every page on the way reads in Spanish. When staff (who
work in English) deliver one photo and reject another, both texts reach her phone in Spanish.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect
from tests.actors import as_inmate, as_staff
from tests.factories import FacilityFactory, InmateFactory, StaffFactory
from tests.i18n.test_spanish_everywhere import english_left

from kinframe.accounts.models import User
from kinframe.connections.models import Connection
from kinframe.connections.services import connection_approve
from kinframe.facilities.models import RejectionReason, StaffMembership
from kinframe.notify.models import OutboxMessage
from kinframe.photos.models import Photo
from kinframe.photos.services import photo_approve, photo_reject

pytestmark = pytest.mark.django_db(transaction=True)

PHOTOS = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "photos"
PHONE = "+14155552671"
PASSWORD = "una contraseña larga de familia 42"


def texts_to(phone: str) -> list[str]:
    return list(
        OutboxMessage.objects.filter(channel=OutboxMessage.Channel.SMS, to=phone)
        .order_by("pk")
        .values_list("body", flat=True)
    )


def test_a_spanish_phone_sends_a_photo_and_hears_back_in_spanish(people):
    facility = FacilityFactory(name="Cárcel del Condado Riverside", code="riverside")
    reason = RejectionReason.objects.create(
        facility=facility,
        code="faces",
        label="Shows other people",
        sender_message="Photos may show only family members named on the visitor list.",
        sender_message_es="Las fotos solo pueden mostrar a familiares de la lista de visitas.",
    )
    inmate = InmateFactory(facility=facility, first_name="Dana", last_name="Whitfield")
    reviewer = StaffFactory(facility=facility, facility__role=StaffMembership.Role.REVIEWER)
    maria = people("maria", "phone", locale="es-US")
    page = maria.page
    english: dict[str, list[str]] = {}

    def reads_in_spanish(step: str) -> None:
        maria.shot(f"es-{step}")
        assert page.evaluate("document.documentElement.lang") == "es", page.url
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, page.url
        left = english_left(page.content())
        if left:
            english[f"{step} {page.url}"] = left[:5]

    # 1. Sign up with a mobile number only; the code comes by SMS, in Spanish.
    maria.goto("/accounts/signup/")
    reads_in_spanish("01-signup")
    page.get_by_test_id("username-input").fill("maria")
    page.get_by_test_id("phone-input").fill("(415) 555-2671")
    page.get_by_test_id("password1-input").fill(PASSWORD)
    page.get_by_test_id("password2-input").fill(PASSWORD)
    page.get_by_test_id("signup-submit").click()
    page.wait_for_url("**/accounts/phone/verify/**")
    reads_in_spanish("02-verify-phone")
    (code_text,) = texts_to(PHONE)
    if left := english_left(code_text):
        english[f"the code's text: {code_text}"] = left
    code = re.search(r"\b\d{6}\b", code_text).group()
    page.get_by_test_id("verify-code-input").fill(code)
    page.get_by_test_id("verify-code-form").locator("button[type=submit]").first.click()
    try:
        page.wait_for_url("**/home/")
    finally:
        maria.shot("es-03-after-code")
    reads_in_spanish("03-home")

    # 2. Find Dana and ask to connect; Dana approves (at the kiosk, here by the service).
    maria.goto("/search/")
    page.locator("select[name=facility]").select_option(label=facility.name)
    page.locator("input[name=q]").fill("Whitfield")
    page.get_by_test_id("search-submit").click()
    result = page.get_by_test_id("search-result")
    expect(result).to_have_count(1)
    result.get_by_test_id("relationship").fill("hermana")
    reads_in_spanish("04-search")
    result.get_by_test_id("request-connection").click()
    page.wait_for_url("**/connections/")
    reads_in_spanish("05-requested")
    connection = Connection.objects.get(sender__username="maria")
    connection_approve(connection=connection, actor=as_inmate(inmate))

    # 3. Buy 500 credits with the sandbox card.
    maria.goto("/credits/")
    reads_in_spanish("06-credits")
    page.get_by_test_id("pack-500").click()
    page.get_by_test_id("buy").click()
    page.wait_for_url("**/sandbox/checkout/**")
    reads_in_spanish("07-checkout")
    page.locator("input[name=card_number]").fill("4242 4242 4242 4242")
    page.locator("input[name=expiry]").fill("12 / 39")
    page.locator("input[name=cvc]").fill("123")
    page.locator("input[name=name]").fill("María Whitfield")
    page.get_by_test_id("pay").click()
    page.wait_for_url("**/credits/purchases/**")
    expect(page.get_by_test_id("balance")).to_have_text("500")
    reads_in_spanish("08-paid")

    # 4. Send two photos.
    maria.goto("/connections/")
    page.get_by_test_id("send-photos").click()
    page.wait_for_url("**/photos/send/**")
    page.get_by_test_id("photo-input").set_input_files(
        [PHOTOS / "orientation_landscape_6.jpg", PHOTOS / "Canon_40D.jpg"]
    )
    expect(page.get_by_test_id("preview")).to_have_count(2)
    reads_in_spanish("09-send")
    page.get_by_test_id("send-button").click()
    page.wait_for_url("**/photos/")
    expect(page.get_by_test_id("balance")).to_have_text("300")
    reads_in_spanish("10-sent")

    # 5. A reviewer working in English delivers one and rejects the other: two texts in Spanish.
    before = len(texts_to(PHONE))
    keep, refuse = Photo.objects.order_by("pk")
    staff = as_staff(reviewer, facility)
    photo_approve(photo=keep, actor=staff)
    photo_reject(photo=refuse, actor=staff, reason=reason)
    notices = texts_to(PHONE)[before:]
    assert len(notices) >= 2, notices
    assert any(reason.sender_message_es in body for body in notices), notices
    for body in notices:
        if left := english_left(body):
            english[f"a notice's text: {body}"] = left
    maria.goto("/photos/")
    expect(page.get_by_test_id("balance")).to_have_text("400")
    reads_in_spanish("11-history")

    assert User.objects.get(username="maria").language == "es"  # so later notices are Spanish
    assert not english, "English on pages read in Spanish:\n" + "\n".join(
        f"{where}: {words}" for where, words in english.items()
    )
    assert maria.console_errors == []
