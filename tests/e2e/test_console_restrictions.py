"""Blocks, people and the sender's side of a block, in Chromium: a facility admin at a desk blocks
a sender and resets a PIN; the sender on a phone reads, before paying, that they cannot send."""

from __future__ import annotations

import pytest
from tests.factories import PASSWORD, ConnectionFactory, FacilityFactory, StaffFactory, UserFactory

from kinframe.facilities.models import StaffMembership

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def sign_in(person, username: str, next_url: str) -> None:
    person.goto(f"/accounts/login/?next={next_url}")
    person.page.get_by_test_id("login-input").fill(username)
    person.page.get_by_test_id("password-input").fill(PASSWORD)
    person.page.get_by_test_id("login-submit").click()
    person.page.wait_for_url(f"**{next_url}")


def test_an_admin_blocks_a_sender_who_is_told_before_paying(people, settings):
    settings.CONSOLE_REQUIRE_MFA = False
    facility = FacilityFactory()
    admin_user = StaffFactory(facility=facility, facility__role=StaffMembership.Role.ADMIN)
    family = UserFactory()
    connection = ConnectionFactory(sender=family, inmate__facility=facility)

    admin = people("admin", "desktop")
    sign_in(admin, admin_user.username, f"/console/{facility.code}/people/{connection.inmate.pk}/")
    admin.page.get_by_test_id("reset-pin").click()
    assert len(admin.page.get_by_test_id("new-pin-value").inner_text().strip()) == 6
    admin.shot("restrictions-01-person-pin-reset")
    admin.page.get_by_test_id("connection-block").click()
    admin.page.get_by_label("Reason (staff only; the sender never sees it)").fill("Case 24-117")
    admin.page.get_by_test_id("block-submit").click()
    admin.page.wait_for_url(f"**/console/{facility.code}/blocks/")
    assert admin.page.get_by_test_id("block-row").count() == 1
    admin.shot("restrictions-02-blocks")

    sender = people("sender", "phone")
    sign_in(sender, family.username, "/connections/")
    sender.goto(f"/photos/send/{connection.pk}/")
    text = sender.page.get_by_test_id("cannot-send").inner_text()
    assert "cannot contact" in text
    assert "24-117" not in sender.page.content()
    assert sender.page.get_by_test_id("send-form").count() == 0
    sender.shot("restrictions-03-send-page-blocked")

    for person in (admin, sender):
        assert person.console_errors == [], (person.name, person.console_errors)
