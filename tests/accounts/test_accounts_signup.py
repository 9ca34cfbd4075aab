"""Sign-up and verification: an account works once one contact (email or mobile) is verified."""

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse
from tests.accounts.helpers import PASSWORD, PHONE, latest_code, latest_email, latest_sms, signup
from tests.factories import UserFactory

from kinframe.accounts.models import User
from kinframe.notify.models import OutboxMessage
from kinframe.sender.access import is_verified

pytestmark = pytest.mark.django_db

SMS = OutboxMessage.Channel.SMS


def test_email_signup_is_blocked_until_the_emailed_code_is_entered(client):
    response = signup(client, email="Mara@Example.com")
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    user = User.objects.get(username="mara")
    assert not is_verified(user)

    # Not signed in yet: the sender's pages send them to sign in.
    home = client.get(reverse("sender:home"))
    assert home.status_code == 302
    assert home["Location"].startswith(reverse("account_login"))

    page = client.get(reverse("account_email_verification_sent"))
    assert b'data-testid="verify-code-input"' in page.content

    code = latest_code("mara@example.com")
    response = client.post(reverse("account_email_verification_sent"), {"code": code})
    assert response.status_code == 302
    assert response["Location"] == reverse("sender:home")
    assert is_verified(user)
    assert EmailAddress.objects.get(user=user).verified
    assert client.get(reverse("sender:home")).status_code == 200


def test_phone_only_signup_is_verified_by_the_texted_code(client):
    response = signup(client, username="dee", phone="(415) 555-2671")
    assert response.status_code == 302
    assert response["Location"] == reverse("account_verify_phone")
    user = User.objects.get(username="dee")
    assert (user.phone, user.phone_verified, user.email) == (PHONE, False, "")
    assert not EmailAddress.objects.filter(user=user).exists()

    code = latest_code(PHONE, channel=SMS)
    assert len(code) == 6
    assert code.isdigit()
    response = client.post(reverse("account_verify_phone"), {"code": code})
    assert response["Location"] == reverse("sender:home")
    user.refresh_from_db()
    assert user.phone_verified
    assert is_verified(user)
    assert client.get(reverse("sender:home")).status_code == 200


def test_a_wrong_code_is_refused(client):
    signup(client, username="dee", phone=PHONE)
    code = latest_code(PHONE, channel=SMS)
    wrong = "000000" if code != "000000" else "111111"
    response = client.post(reverse("account_verify_phone"), {"code": wrong})
    assert response.status_code == 200
    assert b"Incorrect code" in response.content
    assert not User.objects.get(username="dee").phone_verified
    assert client.get(reverse("sender:home")).status_code == 302


def test_a_wrong_email_code_is_refused(client):
    signup(client, email="mara@example.com")
    response = client.post(reverse("account_email_verification_sent"), {"code": "BCDF-GHJK"})
    assert response.status_code == 200
    assert b"Incorrect code" in response.content
    assert not EmailAddress.objects.filter(verified=True).exists()


def test_signup_with_neither_contact_is_refused(client):
    response = signup(client, email="", phone="")
    assert response.status_code == 200
    assert b"Give an email address or a mobile number" in response.content
    assert not User.objects.exists()


def test_signup_with_a_bad_phone_number_says_so(client):
    response = signup(client, phone="555-0000")
    assert response.status_code == 200
    assert b"Enter a valid mobile number" in response.content
    assert not User.objects.exists()


def test_duplicate_email_makes_no_second_account_and_warns_the_owner(client):
    UserFactory(username="first", email="mara@example.com")
    response = signup(client, username="second", email="MARA@example.com")
    # Enumeration prevention: the page looks the same, but nothing is created.
    assert response.status_code == 302
    assert not User.objects.filter(username="second").exists()
    assert EmailAddress.objects.filter(email__iexact="mara@example.com").count() == 1
    assert "already" in latest_email("mara@example.com")


def test_duplicate_phone_makes_no_second_account_and_texts_the_owner(client):
    UserFactory(username="first", phone=PHONE, phone_verified=True)
    response = signup(client, username="second", phone="+1 415-555-2671")
    assert response.status_code == 302
    assert not User.objects.filter(username="second").exists()
    assert "already has one" in latest_sms(PHONE)


def test_both_contacts_need_only_one_verified(client):
    signup(client, email="mara@example.com", phone=PHONE)
    user = User.objects.get(username="mara")
    # allauth asks for the phone first; once it is verified the email code is not demanded.
    client.post(reverse("account_verify_phone"), {"code": latest_code(PHONE, channel=SMS)})
    assert client.get(reverse("sender:home")).status_code == 200
    user.refresh_from_db()
    assert user.phone_verified
    assert not EmailAddress.objects.get(user=user).verified


def test_unverified_phone_sender_signing_in_later_is_sent_to_verify(client):
    signup(client, username="dee", phone=PHONE)
    client.logout()  # closes the half-finished sign-up, like a new browser would
    OutboxMessage.objects.all().delete()
    mail.outbox.clear()

    response = client.post(
        reverse("account_login"), {"login": "(415) 555 2671", "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("account_verify_phone")
    assert b"Verify your email address or mobile number to continue." in response.content
    client.post(reverse("account_verify_phone"), {"code": latest_code(PHONE, channel=SMS)})
    assert client.get(reverse("sender:home")).status_code == 200


def test_unverified_email_sender_signing_in_by_username_is_sent_to_verify(client):
    signup(client, email="mara@example.com")
    client.logout()
    OutboxMessage.objects.all().delete()
    mail.outbox.clear()
    response = client.post(
        reverse("account_login"), {"login": "mara", "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("account_email_verification_sent")
    assert b"Verify your email address or mobile number" in response.content
    client.post(
        reverse("account_email_verification_sent"), {"code": latest_code("mara@example.com")}
    )
    assert client.get(reverse("sender:home")).status_code == 200


def test_signed_in_but_unverified_user_is_sent_to_verify_with_a_message(client):
    user = UserFactory(username="legacy", verified=False, email="", phone=PHONE)
    client.force_login(user)
    response = client.get(reverse("sender:home"))
    assert response["Location"] == reverse("account_change_phone")
    page = client.get(response["Location"])
    assert b"Verify your email address or mobile number" in page.content


@pytest.mark.parametrize(
    ("email_verified", "phone", "phone_verified", "expected"),
    [
        (False, "", False, False),
        (True, "", False, True),
        (False, PHONE, False, False),
        (False, PHONE, True, True),
        (False, "", True, False),  # a flag without a number verifies nothing
    ],
)
def test_is_verified_means_a_verified_email_or_phone(
    email_verified, phone, phone_verified, expected
):
    user = UserFactory(verified=email_verified, phone=phone, phone_verified=phone_verified)
    assert is_verified(user) is expected


def test_changing_the_phone_number_takes_effect_once_the_new_one_is_verified(client):
    user = UserFactory(username="dee", phone=PHONE, phone_verified=True)
    client.force_login(user)
    new = "+12025550143"
    response = client.post(reverse("account_change_phone"), {"phone": "(202) 555-0143"})
    assert response["Location"] == reverse("account_verify_phone")
    user.refresh_from_db()
    assert (user.phone, user.phone_verified) == (PHONE, True)  # the old one until verified
    client.post(reverse("account_verify_phone"), {"code": latest_code(new, channel=SMS)})
    user.refresh_from_db()
    assert (user.phone, user.phone_verified) == (new, True)
