"""Terms, privacy, help, contact and each facility's photo rules: readable before paying, linked
from every page, and edited by the operator in both languages."""

import pytest
from django.urls import reverse
from tests.factories import FacilityFactory, UserFactory

from kinframe.content.models import SitePage

pytestmark = pytest.mark.django_db

PAGES = ["terms", "privacy", "help", "contact"]


@pytest.mark.parametrize("slug", PAGES)
def test_anyone_can_read_each_page(client, slug):
    response = client.get(reverse(f"sender:{slug}"))
    assert response.status_code == 200
    assert f'data-testid="site-page-{slug}"' in response.content.decode()


def test_the_help_page_answers_what_families_ask():
    body = SitePage.objects.get(slug="help").body_en
    for answer in ("review", "come back to your account", "never expire"):
        assert answer in body


@pytest.mark.parametrize("page", ["sender:landing", "sender:home", "sender:credits"])
def test_every_sender_page_links_to_them(client, page):
    client.force_login(UserFactory())
    html = client.get(reverse(page), follow=True).content.decode()
    for slug in PAGES:
        assert f'href="{reverse(f"sender:{slug}")}"' in html


def test_checkout_links_the_terms(client):
    client.force_login(UserFactory())
    html = client.get(reverse("sender:credits")).content.decode()
    buy = html.split('data-testid="buy-form"')[1].split("</form>")[0]
    assert f'href="{reverse("sender:terms")}"' in buy


def test_a_facilitys_photo_rules_are_its_rejection_reasons(client):
    facility = FacilityFactory(photo_price=150)
    reason = facility.rejection_reasons.get()
    facility.rejection_reasons.create(
        code="old", label="Retired rule", sender_message="Never shown.", is_active=False
    )
    html = client.get(reverse("sender:photo_rules", args=[facility.code])).content.decode()
    assert reason.sender_message.replace("'", "&#x27;") in html
    assert "150 credits" in html
    assert "Never shown." not in html
    assert client.get(reverse("sender:photo_rules", args=["nowhere"])).status_code == 404


def test_the_operator_edits_a_page_and_it_shows(admin_client, client):
    page = SitePage.objects.get(slug="contact")
    url = reverse("admin:content_sitepage_change", args=[page.pk])
    form = {
        "slug": "contact",
        "title_en": "Contact us",
        "body_en": "Write to help@county.example.",
        "title_es": "Contacto",
        "body_es": "Escriba a help@county.example.",
    }
    assert admin_client.post(url, form).status_code == 302
    assert "help@county.example" in client.get(reverse("sender:contact")).content.decode()


def test_each_page_has_a_spanish_text_and_falls_back_to_english():
    for page in SitePage.objects.all():
        title, body = page.in_language("es")
        assert (title, body) == (page.title_es, page.body_es)
        assert body
        assert body != page.body_en
    page.body_es = ""
    assert page.in_language("es-mx") == (page.title_en, page.body_en)
