"""The Content Security Policy in a real browser: pages still work, and nothing is refused.

Chromium logs every script, handler or style the policy blocks as a console error ("Refused to
..."), so each person's console must stay free of them while they use the pages that had inline
code before: the "End connection" confirmation, the review page and the grid's htmx buttons, the 2FA
pages, and the facility admin's new Staff page issuing a second-factor enrolment link.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from tests.factories import PASSWORD, ConnectionFactory, PhotoFactory, StaffFactory, UserFactory

from kinframe.connections.models import Connection
from kinframe.facilities.models import StaffMembership
from kinframe.photos.models import Photo

pytestmark = pytest.mark.django_db(transaction=True)


def sign_in(person, username: str) -> None:
    person.goto("/accounts/login/")
    person.page.get_by_test_id("login-input").fill(username)
    person.page.get_by_test_id("password-input").fill(PASSWORD)
    person.page.get_by_test_id("login-submit").click()
    person.page.wait_for_load_state()


def refused(person) -> list[str]:
    return [e for e in person.console_errors if "Content Security Policy" in e]


def test_pages_work_under_the_policy(people, settings, facility):
    connection = ConnectionFactory(inmate__facility=facility, sender=UserFactory(username="ana"))
    photo = PhotoFactory(connection=ConnectionFactory(inmate__facility=facility), credits=500)
    reviewer = StaffFactory(facility=facility, username="rev")
    StaffFactory(facility=facility, username="boss", facility__role=StaffMembership.Role.ADMIN)

    sender = people("sender", "phone")
    sign_in(sender, "ana")
    sender.goto("/connections/")
    questions: list[str] = []

    def answer(dialog):
        questions.append(dialog.message)
        dialog.dismiss() if len(questions) == 1 else dialog.accept()

    sender.page.on("dialog", answer)
    sender.page.get_by_test_id("end-connection").click()  # dismissed: nothing changes
    sender.page.wait_for_timeout(200)
    connection.refresh_from_db()
    assert connection.status == Connection.Status.APPROVED
    sender.page.get_by_test_id("end-connection").click()  # accepted
    sender.page.wait_for_load_state()
    assert questions
    assert "Stop sending photos to" in questions[0]
    connection.refresh_from_db()
    assert connection.status != Connection.Status.APPROVED
    sender.goto("/credits/")
    sender.shot("csp-credits")
    assert refused(sender) == []

    staff = people("reviewer", "desktop")
    sign_in(staff, reviewer.username)
    staff.goto(f"/console/{facility.code}/review/")  # the review page and its script
    expect(staff.page.get_by_test_id("review-slide")).to_have_count(1)
    staff.goto(f"/console/{facility.code}/review/grid/")  # the grid's htmx buttons
    staff.page.wait_for_timeout(450)  # a photo must be on screen a moment before a decision
    staff.page.get_by_test_id("review-card").get_by_test_id("approve-button").click()
    expect(staff.page.get_by_test_id("review-notice")).to_contain_text("Approved the photo")
    photo.refresh_from_db()
    assert photo.status == Photo.Status.APPROVED
    assert refused(staff) == []

    # The facility admin issues a link; the reviewer, with the console requiring a second factor,
    # sees only "ask for a link" until they use it, then the TOTP and security key choices.
    boss = people("facility-admin", "desktop")
    sign_in(boss, "boss")
    boss.goto(f"/console/{facility.code}/staff/")
    boss.page.locator(f'[data-username="{reviewer.username}"]').get_by_test_id(
        "issue-enrolment-link"
    ).click()
    link = boss.page.get_by_test_id("enrolment-link-url").inner_text()
    boss.shot("csp-staff-enrolment-link")
    assert refused(boss) == []

    settings.CONSOLE_REQUIRE_MFA = True
    newcomer = people("newcomer", "desktop")
    sign_in(newcomer, reviewer.username)
    expect(newcomer.page.get_by_test_id("enrolment-required")).to_contain_text(
        "Ask your facility admin for an enrolment link"
    )
    newcomer.shot("csp-ask-for-a-link")
    newcomer.goto(link)
    newcomer.page.get_by_test_id("enrolment-start").click()
    newcomer.page.wait_for_load_state()
    assert "/accounts/2fa/" in newcomer.page.url
    newcomer.goto("/accounts/2fa/webauthn/add/")
    newcomer.page.get_by_test_id("password-input").or_(
        newcomer.page.locator("input[name=password]")
    ).first.fill(PASSWORD)
    newcomer.page.locator("form button[type=submit]").first.click()
    newcomer.page.wait_for_load_state()
    newcomer.shot("csp-add-security-key")
    assert "webauthn" in newcomer.page.url
    assert refused(newcomer) == []
