"""Who may call the roster feed: a live token of the agency's own client, and nobody else."""

import hashlib

import pytest
from tests.factories import InmateFactory

from kinframe.api.models import ApiClient
from kinframe.facilities.models import Inmate

pytestmark = pytest.mark.django_db

# Every roster endpoint, with a request that would succeed for the right client.
ENDPOINTS = [
    ("get", "/api/v1/facilities"),
    ("get", "/api/v1/inmates"),
    ("get", "/api/v1/inmates/A100"),
    ("put", "/api/v1/inmates/A100"),
    ("post", "/api/v1/inmates/A100/release"),
]


def call(client, method, path, headers):
    body = '{"facility": "county-jail", "first_name": "Ada", "last_name": "Lovelace"}'
    kwargs = {"data": body, "content_type": "application/json"} if method == "put" else {}
    return getattr(client, method)(path, headers=headers, **kwargs)


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer", "Bearer kf_not-a-real-token", "Token {token}", "Basic dXNlcjpwYXNz"],
    ids=["none", "empty", "unknown", "wrong-scheme", "basic"],
)
def test_requests_without_a_live_token_get_401_and_change_nothing(
    client, feed_client, jail, method, path, authorization
):
    headers = {}
    if authorization:
        headers["Authorization"] = authorization.format(token=feed_client[1])
    response = call(client, method, path, headers)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response.json() == {
        "type": "about:blank",
        "title": "Unauthorized",
        "status": 401,
        "detail": "Send a valid token: Authorization: Bearer kf_...",
    }
    assert not Inmate.objects.exists()


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_a_switched_off_client_gets_401(client, feed_client, jail, method, path):
    api_client, token = feed_client
    ApiClient.objects.filter(pk=api_client.pk).update(is_active=False)
    response = call(client, method, path, {"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert not Inmate.objects.exists()


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_the_agencys_own_client_gets_through(client, feed_client, jail, method, path):
    InmateFactory(facility=jail, number="A100")
    response = call(client, method, path, {"Authorization": f"Bearer {feed_client[1]}"})
    assert response.status_code == 200


def test_only_the_tokens_hash_and_prefix_are_stored(feed, feed_client):
    api_client, token = feed_client
    assert token.startswith("kf_")
    assert len(token) == 43
    api_client.refresh_from_db()
    assert api_client.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token.startswith(api_client.token_prefix)
    assert len(api_client.token_prefix) == 11
    stored = ApiClient.objects.filter(pk=api_client.pk).values().get()
    assert token not in {str(value) for value in stored.values()}
    assert api_client.last_used_at is None

    assert feed.get("facilities").status_code == 200
    api_client.refresh_from_db()
    assert api_client.last_used_at is not None


def test_another_agencys_people_and_facilities_are_404(feed, other_feed, jail):
    InmateFactory(facility=jail, number="A100", first_name="Ada")

    assert other_feed.get("inmates/A100").status_code == 404
    assert other_feed.release("A100").status_code == 404
    assert Inmate.objects.get(number="A100").status == Inmate.Status.ACTIVE

    response = other_feed.book("B7", jail)  # agency A's facility code
    assert response.status_code == 404
    assert "county-jail" in response.json()["detail"]
    assert not Inmate.objects.filter(number="B7").exists()

    assert other_feed.get("inmates").json() == {"items": [], "count": 0}
    assert [f["code"] for f in other_feed.get("facilities").json()] == ["b-jail"]
    assert [f["code"] for f in feed.get("facilities").json()] == ["county-jail"]


def test_the_same_number_in_another_agency_is_another_person(feed, other_feed, jail):
    InmateFactory(facility=jail, number="A100", first_name="Ada")
    response = other_feed.put(
        "A100", {"facility": "b-jail", "first_name": "Grace", "last_name": "Hopper"}
    )
    assert response.status_code == 201
    assert feed.get("inmates/A100").json()["first_name"] == "Ada"
    assert Inmate.objects.filter(number="A100").count() == 2
