"""Every page of every audience, in English and in Spanish, passes axe-core with no serious or
critical violation.

axe-core is vendored (``tests/e2e/vendor/axe.min.js``, see its README): nothing is downloaded. It is
injected into each page after it loads and run over the whole document. Every serious or critical
violation found on an audience's pages is listed (rule, help, the elements' selectors, the page)
and the test fails; moderate and minor ones are not counted.

One browser, one context per person and language; the pages of an audience are walked in a loop
within one test, so the whole file stays quick. ``test_the_check_finds_a_serious_violation`` proves
the checker reports what it should.

The console pages are every GET page in ``tests/console/test_console_permissions.py``'s ``ACCESS``
table (which covers every console URL), each visited by every role allowed to open it.
"""

from __future__ import annotations

from importlib import import_module
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.apps import apps as django_apps
from django.conf import settings
from django.urls import reverse
from playwright.sync_api import expect
from tests.actors import as_staff
from tests.console.test_console_permissions import ACCESS, URLS, World
from tests.factories import (
    PASSWORD,
    PIN,
    ConnectionFactory,
    DeliveredPhotoFactory,
    InmateFactory,
    PhotoFactory,
    PurchaseFactory,
    UserFactory,
)

from kinframe.accounts.services import enrolment_link_issue
from kinframe.audit.actors import SYSTEM
from kinframe.connections.models import Connection
from kinframe.devices.services import kiosk_device_enrol
from kinframe.facilities.models import StaffMembership
from kinframe.notify.notices import unsubscribe_url
from kinframe.photos.services import photo_reject

pytestmark = pytest.mark.django_db(transaction=True)

ADMIN, REVIEWER, INVESTIGATOR = (
    StaffMembership.Role.ADMIN,
    StaffMembership.Role.REVIEWER,
    StaffMembership.Role.INVESTIGATOR,
)
# The default terms, privacy, help and contact pages, as the data migration writes them.
add_site_pages = import_module("kinframe.content.migrations.0002_default_pages").add_pages
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
PHOTOS = Path(__file__).resolve().parents[1] / "fixtures" / "photos"
LANGUAGES = ["en", "es"]
COUNTED = {"serious", "critical"}
#: Console URLs that answer GET with something other than a page: files, and the review page's
#: htmx fragment (its content is on the review page, audited there).
NOT_PAGES = {"photo_file", "review_stack"}

RUN_AXE = """async () => {
    const result = await axe.run(document, {resultTypes: ['violations']});
    return result.violations.map(v => ({
        id: v.id, impact: v.impact, help: v.help,
        targets: v.nodes.map(n => n.target.join(' ')),
    }));
}"""


def violations(page) -> list[dict]:
    """axe's serious and critical violations on the page as it is now."""
    page.add_script_tag(path=str(AXE))
    return [v for v in page.evaluate(RUN_AXE) if v["impact"] in COUNTED]


def report(found: dict[str, list[dict]]) -> str:
    lines = []
    for url, problems in found.items():
        for v in problems:
            lines.append(f"{url}: [{v['impact']}] {v['id']}: {v['help']}")
            lines.extend(f"    {target}" for target in v["targets"][:10])
            if len(v["targets"]) > 10:
                lines.append(f"    ... and {len(v['targets']) - 10} more")
    return "\n".join(lines)


class Auditor:
    """One person in one language: a browser context that visits pages and keeps what axe finds."""

    def __init__(self, browser, base_url: str, language: str, viewport: dict | None = None):
        # bypass_csp: Kinframe's Content-Security-Policy refuses scripts it did not serve, which
        # would block injecting axe; the audit needs it, the pages themselves are unchanged.
        self.context = browser.new_context(
            base_url=base_url,
            locale=language,  # also sends Accept-Language: the site picks its language from it
            extra_http_headers={"Accept-Language": language},
            viewport=viewport or {"width": 1366, "height": 900},
            bypass_csp=True,
        )
        self.context.set_default_timeout(15_000)
        self.page = self.context.new_page()
        self.language = language
        self.found: dict[str, list[dict]] = {}
        self.wrong_language: list[str] = []  # pages not served in the browser's language

    def audit(self, path: str, expect_status: int = 200) -> None:
        response = self.page.goto(path)
        assert response is not None
        assert response.status == expect_status, (path, response.status, self.page.url)
        self.check()

    def check(self) -> None:
        """Audit the page as it stands (after a form was submitted, a redirect followed...)."""
        self.page.wait_for_load_state()
        parts = urlsplit(self.page.url)
        url = parts.path + (f"?{parts.query}" if parts.query else "")
        lang = self.page.evaluate("document.documentElement.lang")
        if not lang.startswith(self.language):
            self.wrong_language.append(f"{url}: lang={lang!r}")
        problems = violations(self.page)
        if problems:  # a URL seen twice (a form, then its errors) keeps both pages' findings
            self.found.setdefault(f"{url} ({self.language})", []).extend(problems)

    def sign_in(self, username: str, password: str = PASSWORD) -> None:
        self.page.goto("/accounts/login/")
        self.page.get_by_test_id("login-input").fill(username)
        self.page.get_by_test_id("password-input").fill(password)
        self.page.get_by_test_id("login-submit").click()
        self.page.wait_for_load_state()
        assert "/accounts/login/" not in self.page.url, self.page.url

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def auditors(browser, live_server):
    made: list[Auditor] = []

    def make(language: str, viewport: dict | None = None) -> Auditor:
        auditor = Auditor(browser, live_server.url, language, viewport)
        made.append(auditor)
        return auditor

    yield make
    for auditor in made:
        auditor.close()


def assert_clean(*people: Auditor) -> None:
    found: dict[str, list[dict]] = {}
    for person in people:
        found.update(person.found)
        assert person.wrong_language == [], person.wrong_language
    assert not found, "axe found serious or critical violations:\n" + report(found)


# --- the checker itself ------------------------------------------------------------------------


def test_the_check_finds_a_serious_violation(browser):
    context = browser.new_context(bypass_csp=True)
    try:
        page = context.new_page()
        page.set_content(
            '<!doctype html><html lang="en"><head><title>Broken</title></head><body><main>'
            '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">'
            "<button></button>"
            '<input type="text" name="who">'
            '<p style="color:#ccc;background:#fff">Faint words</p>'
            "</main></body></html>"
        )
        found = {v["id"]: v for v in violations(page)}
        assert {"image-alt", "button-name", "label", "color-contrast"} <= set(found)
        assert found["image-alt"]["targets"] == ["img"]
        assert "button" in report({"test": list(found.values())})

        page.set_content(
            '<!doctype html><html lang="en"><head><title>Fine</title></head><body><main>'
            '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" alt="A dot">'
            '<button type="button">Send</button>'
            '<label for="who">Who</label><input id="who" type="text" name="who">'
            "</main></body></html>"
        )
        assert violations(page) == []
    finally:
        context.close()


# --- senders -----------------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_pages_for_people_not_signed_in(language, auditors, facility):
    add_site_pages(django_apps, None)  # a transactional test starts from empty tables
    user = UserFactory(username="ana")
    visitors = [auditors(language, {"width": 390, "height": 844}) for _ in range(2)]
    visitor = visitors[0]
    for path in (
        "/",
        "/help/",
        "/terms/",
        "/privacy/",
        "/contact/",
        f"/facilities/{facility.code}/photo-rules/",
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password/reset/",
        "/accounts/password/reset/done/",
        "/accounts/inactive/",
    ):
        visitor.audit(path)
    key = default_token_generator.make_token(user)
    visitor.page.goto(f"/accounts/password/reset/key/{user_pk_to_url_str(user)}-{key}/")
    visitor.check()  # allauth moves the key into the session and shows the new-password form

    # Sign-up with a mistake (the form with its errors), then a real one: the code to enter.
    visitor.page.goto("/accounts/signup/")
    visitor.page.get_by_test_id("username-input").fill("ana")  # taken
    visitor.page.get_by_test_id("email-input").fill("ana@example.com")
    visitor.page.get_by_test_id("password1-input").fill("short")
    visitor.page.get_by_test_id("password2-input").fill("different")
    visitor.page.get_by_test_id("signup-submit").click()
    expect(visitor.page.locator(".field-error").first).to_be_visible()
    visitor.check()
    visitor.page.get_by_test_id("username-input").fill("maria")
    visitor.page.get_by_test_id("email-input").fill("maria@example.com")
    visitor.page.get_by_test_id("password1-input").fill("a long family password 42")
    visitor.page.get_by_test_id("password2-input").fill("a long family password 42")
    visitor.page.get_by_test_id("signup-submit").click()
    visitor.page.wait_for_url("**/accounts/confirm-email/")
    visitor.check()  # the emailed code to type
    visitor.page.get_by_test_id("verify-code-input").fill("WRONG1")
    visitor.page.locator("main form button[type=submit]").first.click()
    visitor.check()  # a wrong code

    visitor = visitors[1]
    visitor.audit(unsubscribe_url(user).removeprefix(settings.SITE_URL))  # from an email
    visitor.page.goto("/accounts/login/")
    visitor.page.get_by_test_id("login-input").fill("ana")
    visitor.page.get_by_test_id("password-input").fill("wrong password")
    visitor.page.get_by_test_id("login-submit").click()
    visitor.check()  # the sign-in form with its error
    assert_clean(*visitors)


@pytest.mark.parametrize("language", LANGUAGES)
def test_pages_for_a_signed_in_sender(language, auditors, facility):
    sender = UserFactory(username="ana", first_name="Ana", last_name="Reyes")
    inmate = InmateFactory(facility=facility, first_name="Dana", last_name="Cruz")
    connection = ConnectionFactory(sender=sender, inmate=inmate)
    ConnectionFactory(sender=sender, status=Connection.Status.REQUESTED)
    PhotoFactory(connection=connection, credits=1000)
    rejected = PhotoFactory(connection=connection, charged=True)  # the sender may appeal it
    photo_reject(photo=rejected, actor=SYSTEM, reason=facility.rejection_reasons.first())
    DeliveredPhotoFactory(connection=connection, charged=True)
    purchase = PurchaseFactory(user=sender, paid=True)

    person = auditors(language, {"width": 390, "height": 844})
    person.sign_in("ana")
    for path in (
        "/home/",
        "/connections/",
        "/search/",
        f"/search/?facility={facility.pk}&q={inmate.last_name}",
        f"/photos/send/{connection.pk}/",
        "/photos/",
        "/credits/",
        f"/credits/purchases/{purchase.pk}/",
        "/credits/refund/",
        "/notifications/",
        "/account/data/",
        "/accounts/email/",
        "/accounts/phone/change/",
        "/accounts/password/change/",
        "/accounts/2fa/",
        "/accounts/logout/",
    ):
        person.audit(path)
    # The send page with two photos chosen (their previews), one of them not a photo, then sent.
    person.page.goto(f"/photos/send/{connection.pk}/")
    person.page.get_by_test_id("photo-input").set_input_files(
        [str(PHOTOS / "Canon_40D.jpg"), str(PHOTOS / "corrupted.jpg")]
    )
    person.page.wait_for_timeout(300)
    person.check()
    person.page.get_by_test_id("photo-input").set_input_files(str(PHOTOS / "Canon_40D.jpg"))
    person.page.get_by_test_id("send-button").click()
    expect(person.page.locator(".message-success")).to_contain_text(
        "1 photo sent" if language == "en" else "1 foto enviada"
    )
    person.check()

    person.page.goto("/credits/")
    person.page.get_by_test_id("pack-500").click()
    person.page.get_by_test_id("buy").click()
    person.page.wait_for_url("**/sandbox/checkout/**")
    person.check()  # the test-mode card form
    person.page.locator("input[name=card_number]").fill("4000 0000 0000 0002")
    person.page.locator("input[name=expiry]").fill("12 / 39")
    person.page.locator("input[name=cvc]").fill("123")
    person.page.locator("input[name=name]").fill("Ana Reyes")
    person.page.get_by_test_id("pay").click()
    person.check()  # declined, with its message
    person.page.goto("/accounts/2fa/totp/activate/")  # asks for the password again first
    person.check()
    person.page.locator("input[name=password]").fill(PASSWORD)
    person.page.locator("main form button[type=submit]").first.click()
    person.page.wait_for_url("**/accounts/2fa/totp/activate/")
    person.check()  # the QR code and the code to type
    person.audit("/accounts/2fa/webauthn/add/")  # a security key or passkey
    person.audit("/search/?q=Cruz", expect_status=400)  # no facility chosen: the form's error
    assert_clean(person)


# --- kiosks ------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_kiosk_pages(language, auditors, facility):
    portrait = {"width": 1080, "height": 1920}
    person = InmateFactory(facility=facility, first_name="Dana", pin="2468")  # must choose anew
    maria = ConnectionFactory(inmate=person, sender=UserFactory(first_name="Maria"))
    ConnectionFactory(
        inmate=person, sender=UserFactory(first_name="Grace"), status=Connection.Status.REQUESTED
    )
    photo = DeliveredPhotoFactory(connection=maria)
    DeliveredPhotoFactory(connection=maria)
    _, code = kiosk_device_enrol(actor=SYSTEM, facility=facility, name="Day room")

    stranger = auditors(language, portrait)
    stranger.audit("/kiosk/", expect_status=403)  # not enrolled

    kiosk = auditors(language, portrait)
    kiosk.audit("/kiosk/enrol/")
    kiosk.page.goto(f"/kiosk/enrol/?code={code}")
    kiosk.page.get_by_test_id("kiosk-enrol-submit").click()
    kiosk.page.wait_for_url("**/kiosk/sign-in/")
    kiosk.check()  # the letters pad, for the number
    kiosk.page.get_by_test_id("pad-letters").locator("[data-key=enter]").click()
    expect(kiosk.page.get_by_test_id("pad-digits")).to_be_visible()
    kiosk.check()  # the digits pad, for the PIN
    kiosk.page.locator("input[name=number]").fill(person.number)
    kiosk.page.locator("input[name=pin]").fill("0000")
    kiosk.page.get_by_test_id("kiosk-sign-in").click()
    kiosk.check()  # refused, with its message
    kiosk.page.locator("input[name=number]").fill(person.number)
    kiosk.page.locator("input[name=pin]").fill("2468")
    kiosk.page.get_by_test_id("kiosk-sign-in").click()
    kiosk.page.wait_for_url("**/kiosk/pin/")
    kiosk.check()
    kiosk.page.locator("input[type=password]").nth(0).fill(PIN)
    kiosk.page.locator("input[type=password]").nth(1).fill(PIN)
    kiosk.page.get_by_test_id("kiosk-save-pin").click()
    kiosk.page.wait_for_url("**/kiosk/")
    kiosk.check()
    for path in (
        f"/kiosk/photos/{photo.public_id}/",
        "/kiosk/connections/",
        f"/kiosk/connections/{maria.pk}/block/",
        f"/kiosk/connections/{maria.pk}/end/",
    ):
        kiosk.audit(path)
    assert_clean(stranger, kiosk)


# --- the console -------------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_console_pages_for_each_role(language, auditors):
    """In English every role opens every page it may; in Spanish every page is opened once, by the
    first role (admin first) that may: a role changes only the menu and a few buttons, and the
    Spanish text is the same structure in other words. This keeps the file well under two minutes.
    """
    world = World()
    pages = {
        name: reverse(f"console:{name}", kwargs=world.kwargs(URLS[name], world.facility.code))
        for name, (get_roles, _) in ACCESS.items()
        if get_roles and name not in NOT_PAGES
    }
    people, seen = [], set()
    for role in (ADMIN, REVIEWER, INVESTIGATOR):
        desk = auditors(language)
        desk.sign_in(world.staff[role].username)
        desk.audit(reverse("console:home"))
        for name, url in pages.items():
            if role in ACCESS[name][0] and (language == "en" or name not in seen):
                desk.audit(url)
                seen.add(name)
        people.append(desk)
    assert seen == set(pages)

    # A decision on the review grid: the card becomes a notice with an undo button.
    admin = people[0]
    admin.page.goto(pages["review_queue"])
    admin.page.wait_for_timeout(450)  # a photo must be on screen a moment before a decision
    admin.page.get_by_test_id("review-card").get_by_test_id("approve-button").click()
    expect(admin.page.get_by_test_id("review-notice")).to_be_visible()
    admin.check()

    # A reviewer without a second factor: asked for a link, then setting one up with it.
    reviewer = people[1]
    reviewer.page.goto(reverse("mfa_enrolment_required"))
    reviewer.check()
    _, token = enrolment_link_issue(
        actor=as_staff(world.staff[ADMIN], world.facility),
        user=world.staff[REVIEWER],
        facility=world.facility,
    )
    reviewer.audit(reverse("mfa_enrolment_link", kwargs={"token": token}))
    reviewer.page.get_by_test_id("enrolment-start").click()
    reviewer.check()
    reviewer.page.goto("/accounts/2fa/totp/activate/")
    reviewer.check()
    assert_clean(*people)
