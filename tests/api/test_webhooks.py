"""Webhooks to a vendor's receiver on loopback: signed per Standard Webhooks, retried, logged."""

import json

import pytest
from django.db import transaction
from standardwebhooks.webhooks import Webhook, WebhookVerificationError
from tests.actors import SYSTEM, as_sender, as_staff
from tests.api.vendor_helpers import delivered_photo
from tests.factories import StaffFactory, UserFactory

from kinframe.api.models import WebhookDelivery
from kinframe.api.services import api_client_create
from kinframe.api.webhooks import retry_delay, webhook_endpoint_create
from kinframe.connections.services import connection_request
from kinframe.custody.services import inmate_release
from kinframe.photos.models import Photo
from kinframe.photos.services import photo_approve

pytestmark = pytest.mark.django_db

ALL_EVENTS = ["photo.delivered", "connection.requested", "inmate.released"]


@pytest.fixture
def hook(vendor, receiver):
    return webhook_endpoint_create(
        client=vendor[0], url=receiver.url("/hook"), event_types=ALL_EVENTS, actor=SYSTEM
    )


def approve_a_photo(family, django_capture_on_commit_callbacks):
    photo = delivered_photo(family, status=Photo.Status.PENDING_REVIEW)
    reviewer = StaffFactory(facility=family.inmate.facility)
    with django_capture_on_commit_callbacks(execute=True):
        photo_approve(photo=photo, actor=as_staff(reviewer, family.inmate.facility))
    return photo


def test_registering_through_the_api_returns_the_secret_once(tablet, receiver):
    response = tablet.post(
        "/api/v1/webhooks", {"url": receiver.url(), "events": ["photo.delivered"]}
    )
    assert response.status_code == 201
    assert response.json()["secret"].startswith("whsec_")
    listed = tablet.get("/api/v1/webhooks").json()
    assert [e["url"] for e in listed] == [receiver.url()]
    assert "secret" not in listed[0]
    bad = tablet.post(
        "/api/v1/webhooks", {"url": "ftp://example.org/x", "events": ["photo.delivered"]}
    )
    assert bad.status_code == 422
    assert (
        tablet.post(
            "/api/v1/webhooks", {"url": receiver.url(), "events": ["photo.eaten"]}
        ).status_code
        == 422
    )
    endpoint_id = response.json()["id"]
    assert (
        tablet.client.delete(
            f"/api/v1/webhooks/{endpoint_id}", headers=tablet.headers()
        ).status_code
        == 204
    )
    assert tablet.get("/api/v1/webhooks").json() == []


def test_private_addresses_are_refused_unless_allowed(vendor, settings):
    settings.KINFRAME_WEBHOOK_ALLOW_PRIVATE = False
    with pytest.raises(ValueError, match="public address"):
        webhook_endpoint_create(
            client=vendor[0], url="http://127.0.0.1:9/x", event_types=ALL_EVENTS, actor=SYSTEM
        )


def test_a_delivered_photo_is_posted_signed_and_the_signature_verifies(
    hook, receiver, family, django_capture_on_commit_callbacks
):
    photo = approve_a_photo(family, django_capture_on_commit_callbacks)
    [request] = receiver.requests
    body = json.loads(request["body"])
    assert body["type"] == "photo.delivered"
    assert body["data"]["photo"]["id"] == str(photo.public_id)
    assert body["data"]["person"] == {"facility": "county-jail", "number": "A100"}

    verifier = Webhook(hook.secret)
    assert verifier.verify(request["body"], request["headers"]) == body
    tampered = request["body"].replace(b"A100", b"A101")
    with pytest.raises(WebhookVerificationError):
        verifier.verify(tampered, request["headers"])
    with pytest.raises(WebhookVerificationError):
        Webhook("whsec_" + "QUFB" * 8).verify(request["body"], request["headers"])

    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("succeeded", 1, 204)
    assert request["headers"]["webhook-id"] == delivery.message_id


def test_a_rolled_back_approval_sends_nothing(
    hook, receiver, family, django_capture_on_commit_callbacks
):
    photo = delivered_photo(family, status=Photo.Status.PENDING_REVIEW)
    reviewer = StaffFactory(facility=family.inmate.facility)

    def approve_then_fail():
        with transaction.atomic():
            photo_approve(photo=photo, actor=as_staff(reviewer, family.inmate.facility))
            raise RuntimeError("the request failed after the approval")

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        approve_then_fail()
    assert not WebhookDelivery.objects.exists()
    assert receiver.requests == []


def test_requests_and_releases_reach_only_clients_serving_the_facility(
    agency, annex, vendor, hook, receiver, person, django_capture_on_commit_callbacks
):
    elsewhere = api_client_create(
        agency=agency, name="Annex tablets", actor=SYSTEM, kind="tablet_vendor", facilities=[annex]
    )[0]
    webhook_endpoint_create(
        client=elsewhere, url=receiver.url("/annex"), event_types=ALL_EVENTS, actor=SYSTEM
    )
    sender = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        connection = connection_request(actor=as_sender(sender), inmate=person)
    with django_capture_on_commit_callbacks(execute=True):
        inmate_release(inmate=person, actor=SYSTEM)
    events = [json.loads(r["body"]) for r in receiver.to("/hook")]
    assert [e["type"] for e in events] == ["connection.requested", "inmate.released"]
    assert events[0]["data"]["connection"]["id"] == connection.pk
    assert receiver.to("/annex") == []


def test_a_failing_receiver_is_retried_then_marked_failed_without_blocking_others(
    settings, vendor, receiver, family, django_capture_on_commit_callbacks
):
    settings.KINFRAME_WEBHOOK_MAX_ATTEMPTS = 3
    receiver.status["/down"] = 500
    for path in ("/down", "/up"):
        webhook_endpoint_create(
            client=vendor[0], url=receiver.url(path), event_types=ALL_EVENTS, actor=SYSTEM
        )
    approve_a_photo(family, django_capture_on_commit_callbacks)

    assert len(receiver.to("/down")) == 3
    assert len({r["headers"]["webhook-id"] for r in receiver.to("/down")}) == 1  # same id each time
    assert len(receiver.to("/up")) == 1
    down = WebhookDelivery.objects.get(endpoint__url__endswith="/down")
    up = WebhookDelivery.objects.get(endpoint__url__endswith="/up")
    assert (down.status, down.attempts, down.last_status_code) == ("failed", 3, 500)
    assert (up.status, up.attempts) == ("succeeded", 1)


def test_retries_back_off_exponentially(settings):
    settings.KINFRAME_WEBHOOK_BACKOFF_SECONDS = 30
    assert [retry_delay(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]


def test_a_receiver_that_does_not_answer_is_logged_not_raised(
    vendor, family, django_capture_on_commit_callbacks
):
    settings_url = "http://127.0.0.1:9/closed"  # the discard port: nothing listens
    webhook_endpoint_create(
        client=vendor[0], url=settings_url, event_types=ALL_EVENTS, actor=SYSTEM
    )
    approve_a_photo(family, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "failed"
    assert delivery.last_status_code is None
    assert delivery.last_error.startswith("No answer")


def test_the_admin_replays_a_failed_delivery(
    admin_client, hook, receiver, family, settings, django_capture_on_commit_callbacks
):
    settings.KINFRAME_WEBHOOK_MAX_ATTEMPTS = 1
    receiver.status["/hook"] = 503
    approve_a_photo(family, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "failed"

    receiver.status["/hook"] = 200
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/admin/api/webhookdelivery/",
            {"action": "replay", "_selected_action": [delivery.pk]},
        )
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("succeeded", 1)
    first, second = receiver.requests
    assert first["body"] == second["body"]
    assert first["headers"]["webhook-id"] == second["headers"]["webhook-id"]
    assert Webhook(hook.secret).verify(second["body"], second["headers"])
