"""Two reviewers work one facility's queue at once in two browsers, one of them by keyboard alone.

Issue 11: a second reviewer used to be handed the same 50 photos in the same order and got nothing
done. Here they never see the same photo; the keyboard reviewer decides ten photos (one rejected
with a numbered reason), undoes one decision, zooms, and a fast double key press decides one
photo, not two. Screenshots at 1920x1080 and 1366x768 go to artifacts/screenshots/.
"""

from __future__ import annotations

import io
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from django.core.files.base import ContentFile
from PIL import Image, ImageDraw
from playwright.sync_api import expect
from tests.e2e.conftest import ONE_AT_A_TIME
from tests.factories import (
    PASSWORD,
    ConnectionFactory,
    FacilityFactory,
    InmateFactory,
    PhotoFactory,
    StaffFactory,
)

from kinframe.facilities.models import RejectionReason
from kinframe.photos.models import Photo

pytestmark = pytest.mark.django_db(transaction=True)

CURRENT = ".review-slide:not([hidden])"


@contextmanager
def quiet_server():
    """The test's own reads wait for the request being served (see the e2e conftest)."""
    with ONE_AT_A_TIME:
        yield


def edge_photo(number: int) -> bytes:
    """A 4:3 picture with writing at its very edges: a square crop would hide it."""
    image = Image.new("RGB", (1600, 1200), (40 + number * 7 % 180, 90, 140))
    draw = ImageDraw.Draw(image)
    for x in range(0, 1600, 80):
        draw.line([(x, 0), (1600 - x, 1200)], fill=(200, 200, 120), width=3)
    draw.rectangle([0, 0, 1599, 1199], outline=(255, 255, 255), width=12)
    draw.text((20, 580), "LEFT EDGE", fill="white", font_size=60)
    draw.text((1230, 580), "RIGHT EDGE", fill="white", font_size=60)
    draw.text((700, 560), f"photo {number}", fill="yellow", font_size=80)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def sign_in(person, username: str, code: str) -> None:
    person.goto(f"/accounts/login/?next=/console/{code}/review/")
    person.page.get_by_test_id("login-input").fill(username)
    person.page.get_by_test_id("password-input").fill(PASSWORD)
    person.page.get_by_test_id("login-submit").click()
    person.page.wait_for_url(f"**/console/{code}/review/")


def current_photo(page) -> str:
    slide = page.locator(CURRENT)
    expect(slide).to_have_count(1)
    page.wait_for_function(
        "s => { const i = document.querySelector(s + ' img');"
        " return i && i.complete && i.naturalWidth > 0; }",
        arg=CURRENT,
    )
    return slide.get_attribute("data-photo-id")


def held(page) -> set[str]:
    return set(page.eval_on_selector_all(".review-slide", "els => els.map(e => e.dataset.photoId)"))


def decide_by_key(page, key: str, path: str) -> str:
    """Press ``key`` on the photo on screen once it has been seen; the photo decided."""
    photo = current_photo(page)
    page.wait_for_timeout(450)  # a reviewer's look; quicker presses are refused (tested below)
    with page.expect_response(lambda r: path in r.url and r.request.method == "POST") as answer:
        page.keyboard.press(key)
    assert answer.value.status == 200, answer.value.text()
    assert page.evaluate("document.activeElement !== document.body")  # focus never drops
    return photo


def test_two_reviewers_share_the_queue_and_one_works_by_keyboard_alone(people):
    facility = FacilityFactory(code="northgate", name="Northgate County Jail")
    RejectionReason.objects.create(
        facility=facility,
        code="others",
        label="Shows other people",
        sender_message="Photos may show only family members named on the visitor list.",
        position=1,
    )
    keys = StaffFactory(username="keys", facility=facility)
    StaffFactory(username="mouse", facility=facility)
    start = datetime.now(UTC) - timedelta(hours=5)
    for n in range(24):
        connection = ConnectionFactory(
            inmate=InmateFactory(facility=facility), relationship="mother"
        )
        photo = PhotoFactory(
            connection=connection, credits=500, created_at=start + timedelta(minutes=n)
        )
        photo.image.save("display.jpg", ContentFile(edge_photo(n)), save=False)
        photo.width, photo.height = 1600, 1200
        photo.save(update_fields=["image", "width", "height"])

    a = people("keys", "wide")
    b = people("mouse", "laptop")
    sign_in(a, "keys", facility.code)
    sign_in(b, "mouse", facility.code)
    current_photo(a.page)
    current_photo(b.page)
    assert not held(a.page) & held(b.page)
    expect(a.page.get_by_test_id("review-legend")).to_be_visible()
    expect(a.page.get_by_test_id("waiting-count")).to_have_text("24")
    a.shot("review-desk-1920x1080")
    b.shot("review-desk-1366x768")

    # The whole photo is shown, uncropped: its box keeps the 4:3 shape and fits the stage.
    box = a.page.locator(f"{CURRENT} img").bounding_box()
    assert abs(box["width"] / box["height"] - 4 / 3) < 0.02
    assert box["height"] > 800  # as large as a 1080-line screen allows

    reject_key = a.page.get_by_test_id("reject-reason-2")
    expect(reject_key).to_contain_text("Shows other people")

    decided_by_a: list[str] = []
    decided_by_b: list[str] = []
    undone = None
    for turn in range(11):
        if turn == 3:
            photo = decide_by_key(a.page, "2", "/reject/")  # the numbered reason
            decided_by_a.append(photo)
        elif turn == 5:
            photo = decide_by_key(a.page, "a", "/approve/")
            with a.page.expect_response(lambda r: "/undo/" in r.url) as answer:
                a.page.keyboard.press("u")
            assert answer.value.status == 200
            expect(a.page.get_by_test_id("review-toast")).to_contain_text("Undone")
            assert current_photo(a.page) == photo  # back on screen, waiting again
            undone = photo
        elif turn == 7:
            a.page.keyboard.press("z")
            expect(a.page.locator(f"{CURRENT} .review-stage")).to_have_class("review-stage zoomed")
            a.shot("review-desk-zoomed-1920x1080")
            a.page.keyboard.press("z")
            decided_by_a.append(decide_by_key(a.page, "a", "/approve/"))
        else:
            decided_by_a.append(decide_by_key(a.page, "a", "/approve/"))
        if turn % 2 == 0:  # meanwhile, the other reviewer works with the pointer
            photo = current_photo(b.page)
            b.page.wait_for_timeout(450)
            with b.page.expect_response(lambda r: "/approve/" in r.url) as answer:
                b.page.get_by_test_id("approve-button").click()
            assert answer.value.status == 200
            decided_by_b.append(photo)
        assert not held(a.page) & held(b.page)

    # A fast double press decides one photo, not the one that slides in under it.
    with quiet_server():
        before = Photo.objects.filter(reviewed_by=keys).count()
    current_photo(a.page)
    a.page.wait_for_timeout(450)
    with a.page.expect_response(lambda r: "/approve/" in r.url):
        a.page.keyboard.press("a")
        a.page.keyboard.press("a")
    expect(a.page.get_by_test_id("review-error")).to_have_text("Look at the photo first.")
    a.page.wait_for_timeout(300)
    with quiet_server():
        assert Photo.objects.filter(reviewed_by=keys).count() == before + 1

    assert len(decided_by_a) == 10
    assert undone is not None
    assert not set(decided_by_a) & set(decided_by_b)
    with quiet_server():
        statuses = dict(Photo.objects.values_list("public_id", "status"))
        reviewers = dict(Photo.objects.values_list("public_id", "reviewed_by__username"))
    for photo in decided_by_a:
        assert reviewers[_uuid(photo)] == "keys"
    for photo in decided_by_b:
        assert reviewers[_uuid(photo)] == "mouse"
    assert statuses[_uuid(decided_by_a[3])] == Photo.Status.REJECTED
    assert sum(s == Photo.Status.REJECTED for s in statuses.values()) == 1
    expect(a.page.get_by_test_id("mine-count")).to_have_text("11", timeout=5000)
    a.shot("review-desk-after-1920x1080")
    # The grid stays for those who prefer it: the reviewer's own photos, whole.
    b.goto(f"/console/{facility.code}/review/grid/")
    expect(b.page.get_by_test_id("review-card").first).to_be_visible()
    b.page.wait_for_function(
        "() => [...document.querySelectorAll('.review-card img')].slice(0, 4)"
        ".every(i => i.complete && i.naturalWidth > 0)"
    )
    b.shot("review-grid-1366x768")
    for person in (a, b):
        assert person.console_errors == [], (person.name, person.console_errors)


def _uuid(text: str):
    import uuid

    return uuid.UUID(text)
