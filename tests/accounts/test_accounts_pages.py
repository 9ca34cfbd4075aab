"""Every allauth page in Kinframe's frame, with test ids, and closed to the wrong people."""

import pytest
from django.urls import reverse
from tests.accounts.helpers import PHONE, signup

pytestmark = pytest.mark.django_db

MANAGE_PAGES = [
    ("account_email", "email-add-form"),
    ("account_change_phone", "phone-change-form"),
    ("account_change_password", "password-change-form"),
    ("mfa_index", "account-nav"),
]
ENTRANCE_PAGES = [
    ("account_login", "login-form"),
    ("account_signup", "signup-form"),
    ("account_reset_password", "password-reset-form"),
]


@pytest.mark.parametrize(("url_name", "testid"), MANAGE_PAGES)
def test_account_settings_pages_render_in_kinframe_layout(client, sender, url_name, testid):
    client.force_login(sender)
    response = client.get(reverse(url_name))
    assert response.status_code == 200
    assert b"site-account" in response.content
    assert b'href="/static/kinframe/kinframe.css"' in response.content
    assert f'data-testid="{testid}"'.encode() in response.content


@pytest.mark.parametrize(("url_name", "_testid"), MANAGE_PAGES)
def test_account_settings_pages_send_anonymous_visitors_to_sign_in(client, url_name, _testid):
    response = client.get(reverse(url_name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_account_settings_show_only_the_signed_in_users_own_contacts(client, sender, outsider):
    client.force_login(outsider)
    content = client.get(reverse("account_email")).content
    assert outsider.email.encode() in content
    assert sender.email.encode() not in content


@pytest.mark.parametrize(("url_name", "testid"), ENTRANCE_PAGES)
def test_entrance_pages_render_in_kinframe_layout(client, url_name, testid):
    response = client.get(reverse(url_name))
    assert response.status_code == 200
    assert b"account-entrance" in response.content
    assert b'name="viewport" content="width=device-width' in response.content
    assert f'data-testid="{testid}"'.encode() in response.content


def test_demo_code_notice_only_in_debug(client, settings):
    signup(client, username="dee", phone=PHONE)
    page = client.get(reverse("account_verify_phone"))
    assert b'data-testid="verify-code-form"' in page.content
    assert b'data-testid="verify-code-input"' in page.content
    assert b'data-testid="demo-code-notice"' not in page.content
    settings.DEBUG = True
    page = client.get(reverse("account_verify_phone"))
    assert b'data-testid="demo-code-notice"' in page.content
    assert b"printed on the server console" in page.content
