"""Things a family tripped over on the sender site, each seen as the family would see it."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from tests.factories import PhotoFactory, PurchaseFactory, UserFactory

from kinframe.facilities.models import Inmate
from kinframe.payments.models import Purchase

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, sender):
    client.force_login(sender)
    return client


def test_a_typed_amount_is_bought_even_with_a_pack_still_ticked(signed_in, sender):
    """750 typed with the $5 pack still selected bought $5.00 before."""
    signed_in.post(reverse("sender:credits"), {"pack": "500", "custom_credits": "750"})
    assert Purchase.objects.get(user=sender).credits == 750


def test_a_pack_alone_still_buys_the_pack(signed_in, sender):
    signed_in.post(reverse("sender:credits"), {"pack": "1000", "custom_credits": ""})
    assert Purchase.objects.get(user=sender).credits == 1000


@pytest.mark.parametrize("page", ["sender:home", "sender:connections"])
def test_a_released_person_is_not_shown_as_ready_for_photos(signed_in, connection_, page):
    Inmate.objects.filter(pk=connection_.inmate_id).update(status=Inmate.Status.RELEASED)
    html = signed_in.get(reverse(page)).content.decode()
    assert f"No longer held at {connection_.inmate.facility.name}" in html
    assert 'data-testid="send-photos"' not in html
    assert ">Approved<" not in html


def test_an_approved_connection_still_offers_sending(signed_in, connection_):
    html = signed_in.get(reverse("sender:connections")).content.decode()
    assert 'data-testid="send-photos"' in html
    assert ">Approved<" in html


def test_an_abandoned_checkout_stops_saying_created(signed_in, sender):
    fresh = PurchaseFactory(user=sender)
    old = PurchaseFactory(user=sender)
    Purchase.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=2))
    html = signed_in.get(reverse("sender:credits")).content.decode()
    row = html.split(f'data-testid="purchase-{old.pk}"')[1].split("</li>")[0]
    assert "Not completed" in row
    row = html.split(f'data-testid="purchase-{fresh.pk}"')[1].split("</li>")[0]
    assert "Waiting for payment" in row
    assert "Created" not in html


def test_withdrawing_a_photo_asks_first(signed_in, connection_):
    PhotoFactory(connection=connection_, credits=100)
    html = signed_in.get(reverse("sender:photos")).content.decode()
    form = html.split('data-testid="withdraw-button"')[0].rsplit("<form", 1)[1]
    assert 'data-confirm="Withdraw this photo?' in form


def test_the_home_page_greets_the_sender_by_first_name(client):
    client.force_login(UserFactory(username="g.hopper", first_name="Grace"))
    html = client.get(reverse("sender:home")).content.decode()
    assert "Hello, Grace" in html
    assert "Hello, g.hopper" not in html


def test_without_a_first_name_the_username_is_used(signed_in, sender):
    sender.first_name = ""
    sender.save()
    assert f"Hello, {sender.username}" in signed_in.get(reverse("sender:home")).content.decode()


@pytest.mark.parametrize(
    "page", ["sender:home", "sender:connections", "sender:photos", "sender:search"]
)
def test_every_sender_page_says_test_mode_with_the_sandbox(signed_in, page, settings):
    settings.PAYMENT_PROVIDER = "sandbox"
    assert 'data-testid="test-mode-banner"' in signed_in.get(reverse(page)).content.decode()


def test_the_console_says_test_mode_too(client, reviewer, facility, settings):
    settings.PAYMENT_PROVIDER = "sandbox"
    client.force_login(reviewer)
    html = client.get(reverse("console:review_queue", args=[facility.code])).content.decode()
    assert 'data-testid="test-mode-banner"' in html


def test_no_banner_with_a_live_processor(signed_in, settings):
    settings.PAYMENT_PROVIDER = "stripe"
    settings.STRIPE_SECRET_KEY = "sk_live_123"
    assert "test-mode-banner" not in signed_in.get(reverse("sender:home")).content.decode()


def test_the_kiosk_shows_no_payments_banner(inmate, settings):
    from tests.kiosk.kiosk_helpers import kiosk_client

    settings.PAYMENT_PROVIDER = "sandbox"
    html = kiosk_client(inmate).get(reverse("kiosk:home")).content.decode()
    assert "test-mode-banner" not in html
