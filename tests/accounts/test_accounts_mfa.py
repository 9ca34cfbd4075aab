"""Staff second factor: TOTP and recovery codes through allauth.mfa."""

import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    SECRET_SESSION_KEY,
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)
from django.urls import reverse
from tests.factories import PASSWORD, StaffFactory

from kinframe.accounts.mfa import staff_needs_mfa_setup
from kinframe.accounts.services import enrolment_link_issue
from kinframe.audit.actors import SYSTEM

pytestmark = pytest.mark.django_db


def totp_code(secret: str, offset: int = 0) -> str:
    """What the staff member's authenticator app shows right now (RFC 6238, 30 s steps)."""
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30 + offset))


def test_staff_activates_totp_with_a_code_from_their_app(client, reviewer):
    _link, token = enrolment_link_issue(actor=SYSTEM, user=reviewer)
    client.post(reverse("account_login"), {"login": reviewer.username, "password": PASSWORD})
    client.post(reverse("mfa_enrolment_link", args=[token]))  # the link from their facility admin
    # allauth asks for the password again before a security change, even right after sign-in.
    response = client.get(reverse("mfa_activate_totp"))
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert b'data-testid="reauthenticate-form"' in client.get(response["Location"]).content
    client.post(response["Location"], {"password": PASSWORD})
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    assert b'data-testid="totp-activate-form"' in page.content
    secret = client.session[SECRET_SESSION_KEY]

    wrong = client.post(reverse("mfa_activate_totp"), {"code": "000000"})
    assert wrong.status_code == 200
    assert not Authenticator.objects.filter(user=reviewer).exists()

    response = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=reviewer, type=Authenticator.Type.TOTP).exists()
    # allauth hands out recovery codes alongside the first authenticator.
    assert Authenticator.objects.filter(
        user=reviewer, type=Authenticator.Type.RECOVERY_CODES
    ).exists()


def test_login_with_totp_asks_for_a_code(client, reviewer):
    secret = generate_totp_secret()
    TOTP.activate(reviewer, secret)

    response = client.post(
        reverse("account_login"), {"login": reviewer.username, "password": PASSWORD}
    )
    assert response["Location"] == reverse("mfa_authenticate")
    assert client.get(reverse("console:home")).status_code == 302  # not signed in yet
    page = client.get(reverse("mfa_authenticate"))
    assert b'data-testid="mfa-code-input"' in page.content

    wrong = client.post(reverse("mfa_authenticate"), {"code": "123456"})
    if wrong.status_code == 302:  # 1 in a million: "123456" was the real code
        pytest.skip("the guessed code happened to be right")
    assert b"Incorrect code" in wrong.content

    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    assert response["Location"] == reverse("console:home")  # staff land on their console
    assert client.get(reverse("console:home")).status_code == 200


def test_staff_needs_mfa_setup_only_when_required_and_missing(settings, facility):
    staff = StaffFactory(facility=facility)
    settings.CONSOLE_REQUIRE_MFA = False
    assert staff_needs_mfa_setup(staff) is False
    settings.CONSOLE_REQUIRE_MFA = True
    assert staff_needs_mfa_setup(staff) is True
    TOTP.activate(staff, generate_totp_secret())
    assert staff_needs_mfa_setup(staff) is False


def test_mfa_pages_use_kinframe_layout(client, sender):
    client.force_login(sender)
    page = client.get(reverse("mfa_index"))
    assert page.status_code == 200
    assert b"site-account" in page.content
    assert b'data-testid="account-nav"' in page.content


@pytest.fixture
def operator(db):
    from tests.factories import UserFactory

    return UserFactory(username="op", is_staff=True, is_superuser=True)


def test_admin_login_page_hands_over_to_the_sign_in_that_asks_for_the_code(client, operator):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("path", ["/admin/", "/console/"])
def test_a_session_without_the_code_is_sent_back_to_sign_in(client, settings, operator, path):
    settings.CONSOLE_REQUIRE_MFA = True
    TOTP.activate(operator, generate_totp_secret())
    client.force_login(operator)  # a password-only session, as Django's own admin login made
    Authenticator.objects.filter(user=operator).update(created_at="2020-01-01T00:00:00Z")

    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert not client.session.get("_auth_user_id")  # signed out


def test_operator_without_an_authenticator_must_ask_for_an_enrolment_link(
    client, settings, operator
):
    settings.CONSOLE_REQUIRE_MFA = True
    client.force_login(operator)
    response = client.get("/admin/")
    assert response["Location"] == reverse("mfa_enrolment_required")


def test_operator_who_gave_the_code_reaches_the_admin(client, settings, operator):
    settings.CONSOLE_REQUIRE_MFA = True
    secret = generate_totp_secret()
    TOTP.activate(operator, secret)
    response = client.post(reverse("account_login"), {"login": "op", "password": PASSWORD})
    assert response["Location"] == reverse("mfa_authenticate")
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    assert response["Location"] == reverse("admin:index")
    assert client.get("/admin/").status_code == 200
