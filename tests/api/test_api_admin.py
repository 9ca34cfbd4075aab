"""The operator creates an agency's API client in the admin and sees its token exactly once."""

import re

import pytest
from django.urls import reverse
from tests.api.helpers import Feed
from tests.factories import UserFactory

from kinframe.api.models import ApiClient
from kinframe.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(client, db):
    client.force_login(UserFactory(username="op", is_staff=True, is_superuser=True))
    return client


def test_operator_creates_a_client_and_sees_the_token_once(operator, agency, jail):
    response = operator.post(
        reverse("admin:api_apiclient_add"), {"agency": agency.pk, "name": "JMS nightly"}
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    token = re.search(r'data-testid="api-token"[^>]*>(kf_[\w-]{40})<', response.content.decode())[1]

    api_client = ApiClient.objects.get()
    assert (api_client.agency, api_client.name) == (agency, "JMS nightly")
    assert Feed(operator, token).get("facilities").status_code == 200
    event = AuditEvent.objects.get(action="api_client.created")
    assert event.actor_label == "op"
    assert token not in str(event.data)

    change_page = operator.get(reverse("admin:api_apiclient_change", args=[api_client.pk]))
    assert change_page.status_code == 200
    assert token not in change_page.content.decode()
    assert api_client.token_prefix in change_page.content.decode()


def test_operator_switches_a_client_off(operator, feed_client, feed, jail):
    api_client, _ = feed_client
    response = operator.post(
        reverse("admin:api_apiclient_change", args=[api_client.pk]),
        {"name": "JMS feed", "is_active": ""},
    )
    assert response.status_code == 302
    assert feed.get("facilities").status_code == 401
    assert AuditEvent.objects.get(action="api_client.changed").data == {"is_active": [True, False]}


def test_operator_opens_the_api_lists_but_cannot_edit_idempotency_records(operator, feed, jail):
    feed.book("A1", jail, key="k1")
    for name in ("apiclient", "idempotencyrecord", "webhookendpoint", "webhookdelivery"):
        assert operator.get(reverse(f"admin:api_{name}_changelist")).status_code == 200
    assert operator.get(reverse("admin:api_idempotencyrecord_add")).status_code == 403


def test_a_sender_cannot_open_the_api_clients(client, sender):
    client.force_login(sender)
    response = client.get(reverse("admin:api_apiclient_changelist"))
    assert response.status_code == 302


def test_operator_makes_a_tablet_vendor_client_then_rotates_and_revokes_it(operator, agency, jail):
    response = operator.post(
        reverse("admin:api_apiclient_add"),
        {
            "agency": agency.pk,
            "name": "TabletCo",
            "kind": "tablet_vendor",
            "facilities": [jail.pk],
            "scopes": ["photos:read", "photos:view"],
        },
    )
    assert response.status_code == 200
    token = re.search(r'data-testid="api-token"[^>]*>(kf_[\w-]{40})<', response.content.decode())[1]
    vendor = ApiClient.objects.get()
    assert vendor.kind == "tablet_vendor"
    assert list(vendor.facilities.all()) == [jail]
    assert vendor.scopes == ["photos:read", "photos:view"]
    person_photos = f"/api/v1/facilities/{jail.code}/people/A1/photos"
    assert Feed(operator, token).get(person_photos[len("/api/v1/") :]).status_code == 404

    changelist = reverse("admin:api_apiclient_changelist")
    rotated = operator.post(
        changelist, {"action": "rotate_secret", "_selected_action": [vendor.pk]}
    )
    assert rotated.status_code == 200
    new = re.search(r'data-testid="api-token"[^>]*>(kf_[\w-]{40})<', rotated.content.decode())[1]
    assert new != token
    assert Feed(operator, token).get("webhooks").status_code == 200  # still in its grace period
    operator.post(changelist, {"action": "revoke", "_selected_action": [vendor.pk]})
    assert Feed(operator, token).get("webhooks").status_code == 401
    assert Feed(operator, new).get("webhooks").status_code == 401
