"""The operator's Django admin: every list and add page of Kinframe's models opens for an operator."""

import pytest
from django.contrib import admin
from django.urls import reverse

from tests.factories import ConnectionFactory, UserFactory, give_credits

MODELS = [
    model
    for model in admin.site._registry
    if model._meta.app_label
    in {"accounts", "audit", "facilities", "connections", "credits", "payments", "photos", "notify"}
]


@pytest.fixture
def operator_client(client, db):
    client.force_login(UserFactory(username="op", is_staff=True, is_superuser=True))
    connection = ConnectionFactory()  # some rows, so list pages render real objects
    give_credits(connection.sender, 500)
    return client


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label)
def test_operator_opens_every_admin_list(operator_client, model):
    opts = model._meta
    response = operator_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
    assert response.status_code == 200


def test_the_operator_manages_the_roster_but_cannot_edit_the_ledger(operator_client):
    for name in ("agency", "facility", "inmate", "staffmembership"):
        assert operator_client.get(reverse(f"admin:facilities_{name}_add")).status_code == 200
    assert operator_client.get(reverse("admin:credits_ledgerentry_add")).status_code == 403
    assert operator_client.get(reverse("admin:audit_auditevent_add")).status_code == 403


def test_a_sender_cannot_open_the_admin(client, sender):
    client.force_login(sender)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_operator_sees_a_photos_record_and_views_but_never_the_image(operator_client):
    from tests.factories import PhotoFactory

    photo = PhotoFactory(connection=ConnectionFactory(), credits=100)
    page = operator_client.get(reverse("admin:photos_photo_change", args=[photo.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert str(photo.public_id) in html
    assert photo.image.name not in html  # the private storage key is not shown
    assert (
        operator_client.post(reverse("admin:photos_photo_change", args=[photo.pk]), {}).status_code
        == 403
    )
