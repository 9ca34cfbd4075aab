"""Signing in (username, email, mobile), out, password reset and change, and rate limits."""

import re

import pytest
from django.core import mail
from django.urls import reverse
from tests.accounts.helpers import PHONE, latest_email, signup
from tests.factories import PASSWORD, UserFactory

from kinframe.accounts.models import User
from kinframe.notify.models import OutboxMessage

pytestmark = pytest.mark.django_db


def login(client, login_value, password=PASSWORD, **extra):
    return client.post(
        reverse("account_login"), {"login": login_value, "password": password}, **extra
    )


@pytest.mark.parametrize("login_value", ["mara", "Mara@Example.com", "(415) 555-2671", PHONE])
def test_a_verified_sender_signs_in_by_username_email_or_phone(client, login_value):
    UserFactory(username="mara", email="mara@example.com", phone=PHONE, phone_verified=True)
    response = login(client, login_value)
    assert response.status_code == 302
    assert response["Location"] == reverse("sender:home")
    assert client.get(reverse("sender:home")).status_code == 200


def test_a_wrong_password_is_refused_with_a_message(client):
    UserFactory(username="mara")
    response = login(client, "mara", password="not it")
    assert response.status_code == 200
    assert b"not correct" in response.content
    assert client.get(reverse("sender:home")).status_code == 302


def test_sign_out_ends_the_session(client, sender):
    client.force_login(sender)
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    home = client.get(reverse("sender:home"))
    assert home["Location"].startswith(reverse("account_login"))


def test_password_reset_by_emailed_link_changes_the_password(client):
    user = UserFactory(username="mara", email="mara@example.com")
    response = client.post(reverse("account_reset_password"), {"email": "mara@example.com"})
    assert response.status_code == 302
    link = re.search(
        r"https?://\S+/accounts/password/reset/key/\S+/", latest_email("mara@example.com")
    )
    assert link, latest_email("mara@example.com")
    response = client.get(link.group(0))
    assert response.status_code == 302  # to the same page without the key in the URL
    set_url = response["Location"]
    assert b'data-testid="password-reset-key-form"' in client.get(set_url).content
    new = "a brand new family passphrase"
    response = client.post(set_url, {"password1": new, "password2": new})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(new)
    assert login(client, "mara", password=PASSWORD).status_code == 200  # old one refused
    assert login(client, "mara", password=new)["Location"] == reverse("sender:home")


def test_password_reset_for_an_unknown_email_sends_no_link(client):
    client.post(reverse("account_reset_password"), {"email": "nobody@example.com"})
    assert all("/password/reset/key/" not in m.body for m in mail.outbox)


def test_password_change_needs_the_old_password(client, sender):
    client.force_login(sender)
    url = reverse("account_change_password")
    new = "another long family passphrase"
    wrong = client.post(url, {"oldpassword": "nope", "password1": new, "password2": new})
    assert wrong.status_code == 200
    sender.refresh_from_db()
    assert sender.check_password(PASSWORD)
    response = client.post(url, {"oldpassword": PASSWORD, "password1": new, "password2": new})
    assert response.status_code == 302
    sender.refresh_from_db()
    assert sender.check_password(new)


def test_repeated_failed_logins_are_refused_once_rate_limits_are_on(client, settings):
    settings.ACCOUNT_RATE_LIMITS = {}  # allauth's defaults: 5 failures per 5 minutes per login
    UserFactory(username="mara")
    for _ in range(5):
        assert b"not correct" in login(client, "mara", password="guess").content
    response = login(client, "mara")  # even the right password, until the window passes
    assert b"Too many failed login attempts" in response.content
    assert client.get(reverse("sender:home")).status_code == 302


def test_sms_codes_are_rate_limited_per_number(client, settings):
    settings.ACCOUNT_RATE_LIMITS = {}  # allauth's "verify_phone": one text per 30 s per number
    signup(client, username="dee", phone=PHONE)
    assert OutboxMessage.objects.filter(to=PHONE).count() == 1
    response = client.post(reverse("account_verify_phone"), {"action": "resend"}, follow=True)
    assert b"you are sending too many requests" in response.content
    assert OutboxMessage.objects.filter(to=PHONE).count() == 1
    assert not User.objects.get(username="dee").phone_verified


def test_login_page_has_the_testids_a_browser_test_needs(client):
    content = client.get(reverse("account_login")).content
    for testid in [b"login-form", b"login-input", b"password-input", b"login-submit"]:
        assert b'data-testid="' + testid + b'"' in content


def test_staff_land_on_the_console_and_operators_on_the_admin(client, facility):
    from tests.factories import PASSWORD, StaffFactory, UserFactory

    staff = StaffFactory(facility=facility)
    response = client.post("/accounts/login/", {"login": staff.username, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/console/"
    client.logout()
    operator = UserFactory(username="operator1", is_staff=True, is_superuser=True)
    response = client.post("/accounts/login/", {"login": operator.username, "password": PASSWORD})
    assert response["Location"] == "/admin/"
