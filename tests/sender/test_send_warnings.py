"""Warn before paying: flagged files are named, with the facility's rule, before any credit moves."""

import pytest
from django.urls import reverse
from tests.factories import ConnectionFactory, UserFactory, give_credits
from tests.photos.flag_helpers import (
    other_photo,
    qr_photo,
    real_photo,
    reject,
    resent_copy,
    send_processed,
)
from tests.photos.photo_helpers import balance_of, upload

from kinframe.facilities.models import RejectionReason
from kinframe.photos.models import Photo

pytestmark = pytest.mark.django_db
XHR = {"HTTP_X_REQUESTED_WITH": "XMLHttpRequest"}


def send_url(connection) -> str:
    return reverse("sender:photo_send", kwargs={"connection_id": connection.pk})


def check_url(connection) -> str:
    return reverse("sender:photo_send_check", kwargs={"connection_id": connection.pk})


@pytest.fixture
def refused_before(connection_, reviewer):
    """Someone else's photo this facility rejected, for a rule the sender can read."""
    other = ConnectionFactory(sender=UserFactory(), inmate=connection_.inmate)
    give_credits(other.sender, 500)
    RejectionReason.objects.create(
        facility=connection_.inmate.facility,
        code="no-repeat",
        label="Resent after refusal",
        sender_message="Photos we refused once are refused again.",
    )
    photo = send_processed(other.sender, other, real_photo())
    return reject(photo, reviewer, code="no-repeat")


def test_a_resent_copy_is_named_with_the_rule_and_nothing_is_charged_or_kept(
    client, sender, connection_, refused_before, private_storage
):
    give_credits(sender, 500)
    client.force_login(sender)
    photos_before = Photo.objects.count()
    files = [upload("again.jpg", resent_copy(real_photo())), upload("fine.jpg", other_photo())]

    page = client.post(send_url(connection_), {"photos": files})

    assert page.status_code == 409
    html = page.content.decode()
    assert "<strong>again.jpg</strong>" in html
    assert "Photos we refused once are refused again." in html
    assert "<strong>fine.jpg</strong>" not in html
    assert balance_of(sender) == 500
    assert Photo.objects.count() == photos_before


def test_send_anyway_sends_and_charges(client, sender, connection_, refused_before):
    give_credits(sender, 500)
    client.force_login(sender)
    response = client.post(
        send_url(connection_),
        {"photos": [upload("again.jpg", resent_copy(real_photo()))], "confirm": "1"},
    )
    assert response.status_code == 302
    assert balance_of(sender) == 400
    assert Photo.objects.filter(sender=sender).count() == 1


def test_files_without_flags_send_as_before(client, sender, connection_, refused_before):
    give_credits(sender, 500)
    client.force_login(sender)
    response = client.post(send_url(connection_), {"photos": [upload("new.jpg", other_photo())]})
    assert response.status_code == 302
    assert balance_of(sender) == 400


def test_the_send_page_check_names_a_qr_code_with_the_rule_the_facility_used_for_them(
    client, sender, connection_, reviewer
):
    give_credits(sender, 500)
    client.force_login(sender)
    first = client.post(check_url(connection_), {"photos": [upload("code.png", qr_photo())]})
    warning = first.json()["warnings"][0]
    assert warning["filename"] == "code.png"
    assert warning["kind"] == "code"
    assert "QR code" in warning["rule"]  # no history yet: the general rule

    refused = send_processed(sender, connection_, qr_photo("https://example.org/a"), "a.png")
    refused = reject(refused, reviewer)
    second = client.post(check_url(connection_), {"photos": [upload("b.png", qr_photo("b"))]})
    assert second.json()["warnings"][0]["rule"] == refused.rejection_reason.sender_message
    assert balance_of(sender) == 500  # the checks charged nothing


def test_the_upload_script_hears_409_with_the_warnings(client, sender, connection_):
    give_credits(sender, 500)
    client.force_login(sender)
    response = client.post(
        send_url(connection_), {"photos": [upload("code.png", qr_photo())]}, **XHR
    )
    assert response.status_code == 409
    assert response.json()["warnings"][0]["kind"] == "code"
    assert balance_of(sender) == 500


def test_the_check_is_only_for_the_senders_own_connection(client, connection_, outsider):
    client.force_login(outsider)
    response = client.post(check_url(connection_), {"photos": [upload("x.png", qr_photo())]})
    assert response.status_code == 404
    assert client.get(check_url(connection_)).status_code in (404, 405)
