"""Warn before paying, in Chromium: flagged files are named with the rule, removed, or sent anyway."""

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect
from tests.e2e.conftest import SCREENSHOTS, VIEWPORTS
from tests.factories import ConnectionFactory, StaffFactory, UserFactory, give_credits
from tests.photos.flag_helpers import (
    other_photo,
    qr_photo,
    real_photo,
    reject,
    resent_copy,
    send_processed,
)
from tests.photos.photo_helpers import balance_of

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def browser_for(browser, live_server, user, viewport="phone"):
    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport=VIEWPORTS[viewport], base_url=live_server.url)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    return context


def test_a_resent_copy_is_named_removed_and_the_rest_is_sent(browser, live_server):
    connection = ConnectionFactory()
    facility = connection.inmate.facility
    reviewer = StaffFactory(facility=facility)
    earlier_sender = ConnectionFactory(sender=UserFactory(), inmate=connection.inmate)
    give_credits(earlier_sender.sender, 500)
    reject(send_processed(earlier_sender.sender, earlier_sender, real_photo()), reviewer)
    give_credits(connection.sender, 500)

    context = browser_for(browser, live_server, connection.sender)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"/photos/send/{connection.pk}/")
    page.get_by_test_id("photo-input").set_input_files(
        [
            {"name": "again.jpg", "mimeType": "image/jpeg", "buffer": resent_copy(real_photo())},
            {"name": "beach.jpg", "mimeType": "image/jpeg", "buffer": other_photo()},
        ]
    )
    warning = page.get_by_test_id("send-warning")
    expect(warning).to_have_count(1)
    expect(warning).to_contain_text("again.jpg")
    expect(warning).to_contain_text("does not meet the facility's photo policy")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "send-warning-phone.png"), full_page=True)
    assert balance_of(connection.sender) == 500  # nothing moved while warning

    page.get_by_test_id("send-warning-remove").click()
    expect(page.get_by_test_id("preview")).to_have_count(1)
    expect(page.get_by_test_id("send-warnings")).to_be_hidden()
    page.get_by_test_id("send-button").click()
    page.wait_for_url("**/photos/")
    assert balance_of(connection.sender) == 400
    assert errors == []
    context.close()


def test_send_anyway_sends_a_qr_code(browser, live_server):
    connection = ConnectionFactory()
    give_credits(connection.sender, 500)
    context = browser_for(browser, live_server, connection.sender, "desktop")
    page = context.new_page()
    page.goto(f"/photos/send/{connection.pk}/")
    page.get_by_test_id("photo-input").set_input_files(
        [{"name": "code.png", "mimeType": "image/png", "buffer": qr_photo()}]
    )
    expect(page.get_by_test_id("send-warning")).to_have_count(1)  # the code, not also "text"
    expect(page.get_by_test_id("send-warning")).to_contain_text("QR code")
    page.screenshot(path=str(SCREENSHOTS / "send-warning-desktop.png"), full_page=True)
    page.get_by_test_id("send-button").click()  # not confirmed: the server warns again, no charge
    expect(page.get_by_test_id("send-js-error")).to_contain_text("likely to refuse")
    assert balance_of(connection.sender) == 500
    page.get_by_test_id("send-anyway").check()
    page.get_by_test_id("send-button").click()
    page.wait_for_url("**/photos/")
    assert balance_of(connection.sender) == 400
    context.close()


def test_the_reviewer_sees_the_copy_beside_the_earlier_rejection(browser, live_server):
    connection = ConnectionFactory()
    facility = connection.inmate.facility
    first_reviewer = StaffFactory(facility=facility)
    give_credits(connection.sender, 500)
    earlier = reject(send_processed(connection.sender, connection, real_photo()), first_reviewer)
    copy = send_processed(connection.sender, connection, resent_copy(real_photo()), "again.jpg")

    context = browser_for(browser, live_server, StaffFactory(facility=facility), "desktop")
    page = context.new_page()
    page.goto(f"/console/{facility.code}/photos/{copy.public_id}/")
    expect(page.get_by_test_id("flag-earlier-reviewer")).to_have_text(first_reviewer.get_username())
    expect(page.get_by_test_id("flag-earlier-reason")).to_have_text("Against policy")
    expect(page.locator(f"a[href$='/photos/{earlier.public_id}/']")).to_have_count(1)
    page.screenshot(path=str(SCREENSHOTS / "console-flag-desktop.png"), full_page=True)
    page.goto(f"/console/{facility.code}/review/grid/?flag=near_duplicate")
    expect(page.get_by_test_id("review-card")).to_have_count(1)
    context.close()
