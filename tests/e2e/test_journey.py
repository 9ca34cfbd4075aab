"""The whole journey in a real browser, three people at once.

A new sender (phone) signs up, verifies with the emailed code, finds someone and asks to connect; the
inmate approves on the facility's enrolled kiosk; the sender buys 500 credits with the sandbox card
and sends two real camera photos; a reviewer (desktop) approves one and rejects one; the sender
sees the refund and the reason; the inmate opens the approved photo twice; the reviewer sees both
views.

Every step is screenshotted to ``artifacts/screenshots/``. With ``KINFRAME_UPDATE_DOCS_IMAGES=1`` a
few of them are also written to ``docs/images/`` for the README ("What it looks like").
"""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import pytest
from django.core import mail
from PIL import Image
from playwright.sync_api import expect
from tests.factories import PASSWORD, PIN, FacilityFactory, InmateFactory, StaffFactory

from kinframe.audit.actors import SYSTEM
from kinframe.credits.selectors import balance_of, ledger_problems
from kinframe.devices.services import kiosk_device_enrol
from kinframe.facilities.models import RejectionReason, StaffMembership
from kinframe.photos.models import Photo, PhotoView

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
PHOTOS = ROOT / "tests" / "fixtures" / "photos"
DOCS_IMAGES = ROOT / "docs" / "images"
KEEP = "orientation_landscape_6.jpg"  # a phone picture stored sideways with EXIF orientation 6
REJECT = "Canon_40D.jpg"  # a camera JPEG with EXIF and an ICC profile
SENDER_PASSWORD = "a long family password 42"


def for_docs(person, name: str, *, full_page: bool = True) -> None:
    """Keep the current screen as ``docs/images/<name>.png``, only when asked to (keeps the tree clean).

    Phone pages are kept whole; kiosk and desktop pages as the screen shows them. A 256-colour
    palette keeps each file small (well under 300 KB) without visible loss on these pages.
    """
    if os.environ.get("KINFRAME_UPDATE_DOCS_IMAGES") != "1":
        return
    DOCS_IMAGES.mkdir(parents=True, exist_ok=True)
    png = person.page.screenshot(full_page=full_page)
    with Image.open(io.BytesIO(png)) as image:
        palette = image.convert("RGB").quantize(colors=256, dither=Image.Dither.FLOYDSTEINBERG)
        palette.save(DOCS_IMAGES / f"{name}.png", optimize=True)


def images_loaded(page, selector: str) -> None:
    """Wait until every image matching ``selector`` has decoded (a broken one never gets a width)."""
    page.wait_for_function(
        "s => [...document.querySelectorAll(s)].every(i => i.complete && i.naturalWidth > 0)",
        arg=selector,
    )


def emailed_code(address: str) -> str:
    """The verification code in the newest email to ``address`` (locmem backend, shared with the server)."""
    messages = [m for m in mail.outbox if address in m.to]
    assert messages, f"no email to {address}: {[m.to for m in mail.outbox]}"
    found = re.search(r"verification code: (\S+)", messages[-1].body)
    assert found, messages[-1].body
    return found.group(1)


def fits_the_phone(page) -> None:
    """Nothing on the page is wider than the phone's screen (no sideways scrolling)."""
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, page.url


def test_sender_inmate_and_reviewer_go_through_the_whole_journey(people):
    facility = FacilityFactory(name="Riverside County Jail", code="riverside")
    RejectionReason.objects.create(
        facility=facility,
        code="faces",
        label="Shows other people",
        sender_message="Photos may show only family members named on the visitor list.",
    )
    inmate = InmateFactory(facility=facility, first_name="Dana", last_name="Whitfield", pin=PIN)
    reviewer_user = StaffFactory(facility=facility, facility__role=StaffMembership.Role.REVIEWER)

    sender = people("sender", "phone")
    kiosk = people("inmate", "kiosk")
    reviewer = people("reviewer", "desktop")
    page = sender.page

    # 1. The sender signs up on a phone and verifies with the emailed code.
    sender.goto("/accounts/signup/")
    page.get_by_test_id("username-input").fill("maria")
    page.get_by_test_id("email-input").fill("maria@example.com")
    page.get_by_test_id("password1-input").fill(SENDER_PASSWORD)
    page.get_by_test_id("password2-input").fill(SENDER_PASSWORD)
    sender.shot("01-signup")
    fits_the_phone(page)
    page.get_by_test_id("signup-submit").click()
    page.wait_for_url("**/accounts/confirm-email/")
    expect(page.get_by_test_id("verify-code-form")).to_be_visible()
    sender.shot("02-verify-code")
    fits_the_phone(page)
    page.get_by_test_id("verify-code-input").fill(emailed_code("maria@example.com"))
    page.get_by_test_id("verify-code-form").get_by_role("button", name="Confirm").click()
    page.wait_for_url("**/home/")
    expect(page.get_by_test_id("balance")).to_have_text("0")
    sender.shot("03-home")
    fits_the_phone(page)

    # 2. The sender finds Dana and asks to connect.
    sender.goto("/search/")
    page.get_by_label("Facility").select_option(label="Riverside County Jail")
    page.get_by_label("Name or inmate number").fill("Whitfield")
    page.get_by_test_id("search-submit").click()
    result = page.get_by_test_id("search-result")
    expect(result).to_have_count(1)
    expect(result.get_by_test_id("result-number")).to_have_text(inmate.number)
    result.get_by_test_id("relationship").fill("sister")
    sender.shot("04-search")
    fits_the_phone(page)
    result.get_by_test_id("request-connection").click()
    page.wait_for_url("**/connections/")
    expect(page.locator(".message-success")).to_contain_text("Request sent to Dana Whitfield.")
    expect(page.get_by_test_id("connection-status")).to_have_text("Requested")
    sender.shot("05-connection-requested")
    fits_the_phone(page)

    # 3. The facility's kiosk is enrolled with the one-time code from the console's Kiosks page;
    # Dana signs in on it and approves.
    _, enrolment_code = kiosk_device_enrol(actor=SYSTEM, facility=facility, name="Day room")
    kiosk.goto(f"/kiosk/enrol/?code={enrolment_code}")
    kiosk.page.get_by_test_id("kiosk-enrol-submit").click()
    kiosk.page.wait_for_url("**/kiosk/sign-in/")
    expect(kiosk.page.get_by_test_id("kiosk-facility")).to_have_text("Riverside County Jail")
    kiosk.page.get_by_label("Your number").fill(inmate.number)
    kiosk.page.get_by_label("PIN").fill(PIN)
    kiosk.shot("06-kiosk-sign-in")
    kiosk.page.get_by_test_id("kiosk-sign-in").click()
    request = kiosk.page.get_by_test_id("pending-request")
    expect(request.get_by_test_id("request-sender")).to_have_text("maria")
    expect(request.get_by_test_id("request-relationship")).to_have_text("sister")
    expect(kiosk.page.get_by_test_id("gallery-empty")).to_be_visible()
    kiosk.shot("07-kiosk-approve-request")
    for_docs(kiosk, "kiosk-approve-request", full_page=False)
    request.get_by_test_id("approve-request").click()
    expect(kiosk.page.get_by_test_id("pending-request")).to_have_count(0)
    kiosk.shot("08-kiosk-approved")

    sender.goto("/connections/")
    expect(page.get_by_test_id("connection-status")).to_have_text("Approved")

    # 4. The sender buys 500 credits with the sandbox card.
    sender.goto("/credits/")
    expect(page.get_by_test_id("test-mode")).to_be_visible()
    expect(page.get_by_test_id("balance")).to_have_text("0")
    page.get_by_test_id("pack-500").click()
    sender.shot("09-credits")
    fits_the_phone(page)
    page.get_by_test_id("buy").click()
    page.wait_for_url("**/sandbox/checkout/**")
    page.get_by_label("Card number").fill("4242 4242 4242 4242")
    page.get_by_label("Expiry (MM / YY)").fill("12 / 39")
    page.get_by_label("CVC").fill("123")
    page.get_by_label("Name on card").fill("Maria Whitfield")
    sender.shot("10-sandbox-card")
    fits_the_phone(page)
    page.get_by_test_id("pay").click()
    page.wait_for_url("**/credits/purchases/**")
    expect(page.get_by_test_id("purchase-status")).to_have_text("Paid")
    expect(page.get_by_test_id("balance")).to_have_text("500")
    sender.shot("11-purchase-paid")
    fits_the_phone(page)

    # 5. The sender sends two real camera photos from the connections page.
    sender.goto("/connections/")
    page.get_by_test_id("send-photos").click()
    page.wait_for_url("**/photos/send/**")
    expect(page.get_by_test_id("balance")).to_have_text("500")
    page.get_by_test_id("photo-input").set_input_files([PHOTOS / KEEP, PHOTOS / REJECT])
    expect(page.get_by_test_id("preview")).to_have_count(2)
    expect(page.get_by_test_id("total-price")).to_have_text("200")
    expect(page.get_by_test_id("photo-count")).to_have_text("2")
    # Both previews have actually decoded (a broken image has naturalWidth 0).
    expect(page.locator("[data-testid=preview] img:not([src=''])")).to_have_count(2)
    images_loaded(page, "[data-testid=preview] img")
    sender.shot("12-send-previews")
    fits_the_phone(page)
    for_docs(sender, "sender-send-photos")
    page.get_by_test_id("send-button").click()
    page.wait_for_url("**/photos/")
    expect(page.locator(".message-success")).to_have_text("2 photos sent, 200 credits charged.")
    expect(page.get_by_test_id("balance")).to_have_text("300")
    expect(page.get_by_test_id("photo-status")).to_have_text(
        [re.compile("waiting for review", re.I)] * 2
    )
    images_loaded(page, "[data-testid=photo-thumb]")
    sender.shot("13-photos-sent")
    fits_the_phone(page)

    keep = Photo.objects.get(original_name=KEEP)
    reject = Photo.objects.get(original_name=REJECT)

    # 6. The reviewer signs in to the console and decides both.
    reviewer.goto("/accounts/login/?next=/console/")
    reviewer.page.get_by_test_id("login-input").fill(reviewer_user.username)
    reviewer.page.get_by_test_id("password-input").fill(PASSWORD)
    reviewer.page.get_by_test_id("login-submit").click()
    reviewer.page.wait_for_url("**/console/")
    expect(reviewer.page.get_by_test_id("pending-count")).to_have_text("2 waiting for review")
    reviewer.shot("14-console-home")
    reviewer.page.get_by_test_id("pending-count").click()
    reviewer.page.wait_for_url(f"**/console/{facility.code}/review/")
    expect(reviewer.page.get_by_test_id("review-slide")).to_have_count(2)
    expect(reviewer.page.get_by_test_id("waiting-count")).to_have_text("2")
    images_loaded(reviewer.page, ".review-slide img")
    reviewer.shot("15-review-queue")
    for_docs(reviewer, "console-review-queue", full_page=False)
    reasons = reviewer.page.locator("[data-action=reject]")
    other_people = [
        n for n in range(reasons.count()) if "Shows other people" in reasons.nth(n).inner_text()
    ]
    for _ in range(2):  # oldest first: decide whichever is on screen, by its key
        slide = reviewer.page.locator(".review-slide:not([hidden])")
        photo_id = slide.get_attribute("data-photo-id")
        if photo_id == str(keep.public_id):
            expect(slide.get_by_test_id("review-sender")).to_have_text("maria")
        reviewer.page.wait_for_timeout(450)  # a photo must be on screen a moment before a decision
        with reviewer.page.expect_response(
            lambda r: r.request.method == "POST" and "/photos/" in r.url
        ):
            reviewer.page.keyboard.press(
                "a" if photo_id == str(keep.public_id) else str(other_people[0] + 1)
            )
        expect(reviewer.page.locator(f"[data-photo-id='{photo_id}']")).to_have_count(0)
    expect(reviewer.page.get_by_test_id("queue-empty")).to_be_visible()
    reviewer.shot("16-queue-empty")

    # 7. The sender sees 400 credits, the reason and the refund.
    sender.goto("/photos/")
    expect(page.get_by_test_id("balance")).to_have_text("400")
    rejected_row = page.locator(f"[data-photo='{reject.public_id}']")
    kept_row = page.locator(f"[data-photo='{keep.public_id}']")
    expect(kept_row.get_by_test_id("photo-status")).to_have_text(re.compile("delivered", re.I))
    expect(rejected_row.get_by_test_id("photo-status")).to_have_text(re.compile("rejected", re.I))
    expect(rejected_row.get_by_test_id("rejection-reason")).to_have_text(
        "Not accepted: Photos may show only family members named on the visitor list."
    )
    expect(rejected_row.get_by_test_id("refunded")).to_have_text("100 credits refunded")
    images_loaded(page, "[data-testid=photo-thumb]")
    sender.shot("17-history-rejected")
    fits_the_phone(page)
    for_docs(sender, "sender-history-rejected")
    sender.goto("/credits/")
    expect(page.get_by_test_id("balance")).to_have_text("400")
    expect(page.get_by_test_id("entry-photo_refund")).to_contain_text("+100")
    sender.shot("18-statement")
    fits_the_phone(page)

    # 8. Dana opens the approved photo twice at the kiosk.
    kiosk.goto("/kiosk/")
    gallery = kiosk.page.get_by_test_id("gallery-photo")
    expect(gallery).to_have_count(1)
    images_loaded(kiosk.page, ".kiosk-grid img")
    kiosk.shot("19-kiosk-gallery")
    for opening in (1, 2):
        with kiosk.page.expect_response(re.compile(r"/display/$")) as shown:
            gallery.click()
        assert shown.value.status == 200
        kiosk.page.wait_for_url(f"**/kiosk/photos/{keep.public_id}/")
        expect(kiosk.page.get_by_test_id("photo-display")).to_be_visible()
        images_loaded(kiosk.page, "[data-testid=photo-display]")
        kiosk.shot(f"20-kiosk-viewer-{opening}")
        if opening == 1:
            for_docs(kiosk, "kiosk-photo-viewer", full_page=False)
        kiosk.page.get_by_test_id("photo-back").click()
        kiosk.page.wait_for_url("**/kiosk/")

    # 9. The reviewer sees both of Dana's views in the photo's view history.
    reviewer.goto(f"/console/{facility.code}/photos/")
    row = reviewer.page.get_by_test_id("history-row").filter(has_text="Delivered")
    expect(row.get_by_test_id("view-count")).to_have_text("3")  # Dana twice, the reviewer once
    reviewer.shot("21-console-history")
    reviewer.goto(f"/console/{facility.code}/photos/{keep.public_id}/")
    expect(reviewer.page.get_by_test_id("photo-status")).to_have_text(re.compile("delivered", re.I))
    inmate_views = reviewer.page.locator("[data-testid=view-row][data-viewer-kind=inmate]")
    expect(inmate_views).to_have_count(2)
    expect(inmate_views.first).to_contain_text(f"Recipient #{inmate.number}")
    images_loaded(reviewer.page, "[data-testid=photo-display]")
    reviewer.shot("22-console-view-history")
    for_docs(reviewer, "console-view-history", full_page=False)

    # The database agrees with what everyone saw.
    assert sorted(Photo.objects.values_list("status", flat=True)) == ["approved", "rejected"]
    assert balance_of(keep.sender) == 400
    assert PhotoView.objects.filter(photo=keep, viewer_kind="inmate").count() == 2
    # The reviewer saw both photos on the review page; only staff ever saw the rejected one.
    assert set(PhotoView.objects.filter(photo=reject).values_list("viewer_kind", flat=True)) == {
        "staff"
    }
    assert ledger_problems() == []
    for person in (sender, kiosk, reviewer):
        assert person.console_errors == [], (person.name, person.console_errors)
