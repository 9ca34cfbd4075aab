"""Finding 6: the sign-in lockout belongs to the account, not to the text typed into the form."""

import pytest
from django.urls import reverse
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOCKED = b"Too many failed login attempts"


@pytest.fixture
def rate_limits_on(settings):
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "5/300s/key"}  # 5 failures per 5 min per key


def login(client, login_value, password=PASSWORD):
    return client.post(reverse("account_login"), {"login": login_value, "password": password})


def fail_five_times(client, login_value):
    for _ in range(5):
        response = login(client, login_value, password="a wrong guess")
        assert b"not correct" in response.content


@pytest.mark.parametrize(
    ("failed_as", "then_tried_as"),
    [
        ("+12025557163", "(202) 555-7163"),
        ("(202) 555-7163", "202.555.7163"),
        ("mara", "Mara@Example.com"),
        ("mara@example.com", "+1 202 555 7163"),
        ("+12025557163", "MARA"),
    ],
)
def test_one_account_typed_three_ways_shares_one_lockout(
    client, rate_limits_on, failed_as, then_tried_as
):
    UserFactory(
        username="mara", email="mara@example.com", phone="+12025557163", phone_verified=True
    )
    fail_five_times(client, failed_as)
    response = login(client, then_tried_as)  # even the right password, another spelling
    assert LOCKED in response.content
    assert "_auth_user_id" not in client.session


def test_an_unknown_number_is_locked_in_every_spelling(client, rate_limits_on):
    fail_five_times(client, "+12025550199")
    assert LOCKED in login(client, "(202) 555-0199").content


def test_another_account_is_not_locked_by_its_neighbour(client, rate_limits_on):
    UserFactory(username="mara", email="mara@example.com", phone="+12025557163")
    UserFactory(username="dee", email="dee@example.com", phone="+12025557164")
    fail_five_times(client, "mara")
    response = login(client, "dee@example.com")
    assert response.status_code == 302
