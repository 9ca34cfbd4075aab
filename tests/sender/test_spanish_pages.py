"""A family that reads Spanish gets every sender page in Spanish, with amounts and dates written
the way US Spanish writes them; in English, a count reads "1 credit" and "2 credits".

Each Spanish check pairs a sentence a person reads with the absence of its English original, so a
page that fell back to English (an unmarked string, a missing translation) fails here.
"""

import re
from datetime import UTC, datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation
from tests.factories import (
    ConnectionFactory,
    FacilityFactory,
    InmateFactory,
    PhotoFactory,
    PurchaseFactory,
    UserFactory,
    give_credits,
)
from tests.payments.payment_helpers import DECLINED_CARD, GOOD_CARD, card_form
from tests.photos.photo_helpers import jpeg_upload

from kinframe.connections.models import Connection
from kinframe.payments.limits import dollars
from kinframe.payments.models import Purchase
from kinframe.photos.models import Photo
from kinframe.sender.views.credits import _pack_label

pytestmark = pytest.mark.django_db


@pytest.fixture
def es_sender(sender):
    sender.first_name = "Rosa"
    sender.language = "es"
    sender.save(update_fields=["first_name", "language"])
    return sender


@pytest.fixture
def es_client(client, es_sender):
    client.force_login(es_sender)
    return client


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def reads(html: str, spanish: str, english: str) -> None:
    assert spanish in html
    assert english not in html


# --- Spanish, page by page -------------------------------------------------------------------


def test_the_landing_page_follows_the_browsers_spanish(client):
    html = client.get(reverse("sender:landing"), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    reads(html, "Envíe fotos a alguien que está dentro.", "Send photos to someone inside.")
    reads(html, "Crear una cuenta gratis", "Create a free account")
    reads(html, "Compre desde $5; los créditos no caducan.", "Buy from $5; credits never expire.")
    assert '<html lang="es">' in html


def test_home_greets_and_counts_in_spanish(es_client, connection_):
    give_credits(connection_.sender, 1500)
    html = page(es_client, reverse("sender:home"))
    reads(html, "Hola, Rosa", "Hello, Rosa")
    reads(html, "Sus conexiones", "Your connections")
    reads(html, "Todavía no ha enviado fotos.", "No photos sent yet.")
    assert '<strong data-testid="balance">1,500</strong> créditos' in html
    # The navigation and the footer too.
    reads(html, "Buscar a alguien", "Find someone")
    reads(html, "Cerrar sesión", "Sign out")
    reads(html, "fotos para las personas que quiere", "photos for the people you love")


def test_the_connections_list_is_in_spanish(es_client, connection_):
    html = page(es_client, reverse("sender:connections"))
    reads(html, "Terminar conexión", "End connection")
    reads(html, "Enviar fotos", ">Send photos<")
    name = connection_.inmate.full_name
    assert f"¿Dejar de enviar fotos a {name}?" in html
    assert re.search(
        r"Solicitada el \d{1,2} de [a-z]+ de \d{4}", html
    )  # "el 30 de noviembre de 2026"


def test_the_search_is_in_spanish(es_client, facility):
    InmateFactory(facility=facility, first_name="Marta", last_name="Lopez")
    html = page(es_client, reverse("sender:search"))
    reads(html, "Elija el centro penitenciario y escriba", "Choose the facility, then type")
    reads(html, "Elija un centro", "Choose a facility")
    html = page(es_client, reverse("sender:search") + f"?facility={facility.pk}&q=Marta")
    reads(html, "Resultados", "Results")
    reads(html, "Solicitar conexión", "Request connection")
    reads(html, "(opcional, por ejemplo: madre, amigo)", "(optional, e.g. mother, friend)")
    html = page(es_client, reverse("sender:search") + f"?facility={facility.pk}&q=Zz")
    reads(html, "No hay nadie con esos datos.", "Nobody matches.")


def test_a_declined_request_shows_its_status_in_the_readers_words(es_client, facility, es_sender):
    person = InmateFactory(facility=facility, first_name="Marta", last_name="Lopez")
    ConnectionFactory(sender=es_sender, inmate=person, status=Connection.Status.DECLINED)
    html = page(es_client, reverse("sender:search") + f"?facility={facility.pk}&q=Marta")
    assert 'data-testid="connection-status">' in html
    reads(html, "Solicitar conexión", "Request connection")


def test_buying_credits_is_in_spanish_with_us_amounts(es_client):
    html = page(es_client, reverse("sender:credits"))
    reads(html, "Comprar créditos", ">Buy credits<")
    reads(html, "Continuar al pago con tarjeta", "Continue to card payment")
    reads(html, "1 crédito = 1 centavo. Los créditos no caducan.", "1 credit = 1 cent.")
    reads(html, "500 créditos · $5.00", "500 credits · $5.00")
    reads(html, "Otra cantidad", "Another amount")
    # The limits, written the US way.
    assert "como máximo $500.00 (50,000 créditos) por compra" in html
    assert "como máximo $1,000.00 en 24 horas" in html


def test_the_statement_says_what_each_entry_was_for_in_spanish(es_client, connection_):
    PhotoFactory(connection=connection_, credits=1500)
    html = page(es_client, reverse("sender:credits"))
    reads(html, "Estado de cuenta", ">Statement<")
    reads(html, "Concepto", "What for")
    name = connection_.inmate.full_name
    reads(html, f"Foto para {name}", f"Photo to {name}")
    assert "1,400" in html  # balance after the photo, grouped the US way
    csv = es_client.get(reverse("sender:statement_csv")).content.decode()
    assert f"Foto para {name}" in csv


def test_the_send_page_and_its_scripts_words_are_in_spanish(es_client, connection_):
    give_credits(connection_.sender, 1000)
    html = page(es_client, reverse("sender:photo_send", args=[connection_.pk]))
    name = connection_.inmate.full_name
    reads(html, f"Enviar fotos a {name}", f"Send photos to {name}")
    reads(html, "Cada foto cuesta", "Each photo costs")
    reads(html, "Enviar de todos modos", "Send anyway")
    # send.js reads its sentences from the page: they are here, in Spanish.
    reads(
        html,
        'data-msg-choose="Elija al menos una foto para enviar."',
        "Choose at least one photo to send.",
    )
    reads(html, "Se perdió la conexión durante el envío.", "The connection was lost")
    assert 'data-one="foto" data-other="fotos"' in html
    assert 'data-msg-remove="Quitar"' in html


def test_sending_without_photos_is_refused_in_spanish(es_client, connection_):
    response = es_client.post(
        reverse("sender:photo_send", args=[connection_.pk]),
        HTTP_X_REQUESTED_WITH="XMLHttpRequest",
    )
    assert response.status_code == 400
    assert response.json()["message"] == "Elija al menos una foto para enviar."


def test_the_photo_history_is_in_spanish_with_spanish_dates(es_client, connection_):
    sent = datetime(2026, 11, 26, 1, 30, tzinfo=UTC)
    PhotoFactory(connection=connection_, credits=100, status=Photo.Status.APPROVED, created_at=sent)
    html = page(es_client, reverse("sender:photos"))
    reads(html, "Sus fotos", "Your photos")
    name = connection_.inmate.full_name
    reads(html, f"Para <strong>{name}</strong>", f"To <strong>{name}</strong>")
    reads(html, "26 de noviembre de 2026, 01:30", "Nov 26, 2026")
    assert "100 créditos" in html


def test_notifications_are_in_spanish(es_client):
    html = page(es_client, reverse("sender:notifications"))
    reads(html, "Avisarme sobre conexiones y fotos por", "Tell me about connections and photos")
    reads(html, "Guardar", ">Save<")
    reads(html, "Los recibos de los pagos con tarjeta siempre llegan", "Receipts for card payments")


def test_the_account_data_page_is_in_spanish(es_client):
    html = page(es_client, reverse("sender:account_data"))
    reads(html, "Descargar mis datos", "Download my data")
    reads(html, "Lo que guardamos, y por qué:", "What we keep, and why:")
    reads(html, "Sus preferencias de notificación.", "Your notification settings.")
    reads(html, "Su contraseña, para confirmar", "Your password, to confirm")


def test_a_wrong_password_is_refused_in_spanish(es_client):
    response = es_client.post(reverse("sender:account_close"), {"password": "nope"})
    assert response.status_code == 400
    reads(response.content.decode(), "Esa no es su contraseña.", "That is not your password.")


@pytest.mark.parametrize(
    ("slug", "spanish", "english"),
    [
        ("help", "¿Cuánto tarda la revisión?", "How long does review take?"),
        ("terms", "Condiciones del servicio", "Terms of service"),
        ("privacy", "Política de privacidad", "Privacy policy"),
        ("contact", "Preguntas sobre su cuenta", "Questions about your account"),
    ],
)
def test_the_trust_pages_are_served_in_spanish(client, slug, spanish, english):
    html = client.get(reverse(f"sender:{slug}"), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    reads(html, spanish, english)


def test_a_facilitys_photo_rules_page_is_in_spanish(client, facility):
    url = reverse("sender:photo_rules", args=[facility.code])
    html = client.get(url, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    reads(html, f"Normas de fotos en {facility.name}", f"Photo rules at {facility.name}")
    reads(html, "Aquí una foto cuesta 100 créditos.", "A photo costs 100 credits here.")


def test_a_declined_card_and_its_card_label_read_in_spanish(es_client, es_sender):
    failed = PurchaseFactory(
        user=es_sender,
        status=Purchase.Status.FAILED,
        failure_message="Your card was declined.",
        card_brand="visa",
        card_last4="4242",
    )
    html = page(es_client, reverse("sender:purchase", args=[failed.pk]))
    reads(html, "Su tarjeta fue rechazada. No se añadieron créditos.", "Your card was declined.")
    reads(html, "Compra n.º", "Purchase #")
    reads(html, "Visa terminada en 4242", "Visa ending 4242")
    reads(html, ">Fallida<", ">Failed<")
    html = page(es_client, reverse("sender:credits"))
    reads(html, "· Su tarjeta fue rechazada.", "· Your card was declined.")


def test_a_refund_refused_by_the_service_is_said_in_spanish(es_client):
    response = es_client.post(reverse("sender:credits_refund"), follow=True)
    html = response.content.decode()
    reads(html, "No tiene créditos sin usar que reembolsar.", "You have no unspent credits")


def test_a_purchase_over_the_limit_is_refused_in_spanish(es_client):
    response = es_client.post(reverse("sender:credits"), {"pack": "custom", "custom_credits": 10})
    assert response.status_code == 400
    reads(
        response.content.decode(),
        "La compra mínima es de 500 créditos ($5.00).",
        "The smallest purchase is",
    )


def test_paying_by_card_reads_in_spanish_through_to_the_receipt(
    es_client, es_sender, django_capture_on_commit_callbacks
):
    hosted = es_client.post(reverse("sender:credits"), {"pack": "500"})["Location"]
    html = page(es_client, hosted)
    reads(html, "Pagar $5.00", "Pay $5.00")
    reads(html, "Número de tarjeta", "Card number")
    declined = es_client.post(hosted, card_form(DECLINED_CARD))
    reads(declined.content.decode(), "Su tarjeta fue rechazada.", "Your card was declined.")
    with django_capture_on_commit_callbacks(execute=True):
        paid = es_client.post(hosted, card_form(GOOD_CARD))
    html = page(es_client, paid["Location"])
    reads(html, "Pago recibido: se añadieron 500 créditos.", "Payment received")
    statement = page(es_client, reverse("sender:credits"))
    reads(statement, "Comprados con Visa terminada en 4242", "Bought with Visa ending 4242")
    assert mail.outbox[-1].subject == "Su recibo: 500 créditos de Kinframe"


# --- Money reads right in both languages -------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "es"])
def test_dollars_are_written_the_us_way_in_both_languages(language):
    with translation.override(language):
        assert dollars(500) == "$5.00"
        assert dollars(123450) == "$1,234.50"
        assert dollars(7) == "$0.07"
        assert dollars(-250) == "-$2.50"


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_credits_page_shows_five_dollars_in_either_language(client, language):
    user = UserFactory(language=language)
    client.force_login(user)
    html = page(client, reverse("sender:credits"))
    assert "$5.00" in html
    assert "$5,00" not in html


# --- Counts read right in English ------------------------------------------------------------


@pytest.mark.parametrize(("price", "shown"), [(1, "1 credit here."), (2, "2 credits here.")])
def test_the_photo_price_is_counted_in_english(client, price, shown):
    facility = FacilityFactory(photo_price=price)
    html = client.get(reverse("sender:photo_rules", args=[facility.code])).content.decode()
    assert f"A photo costs {shown}" in html


@pytest.mark.parametrize(("balance", "word"), [(1, "credit"), (2, "credits")])
def test_the_balance_is_counted_in_english(client, sender, balance, word):
    give_credits(sender, balance)
    client.force_login(sender)
    html = page(client, reverse("sender:home"))
    assert f'<strong data-testid="balance">{balance}</strong> {word}</p>' in html


@pytest.mark.parametrize(("price", "shown"), [(1, "1 credit"), (2, "2 credits")])
def test_a_photos_price_in_the_history_is_counted_in_english(client, connection_, price, shown):
    PhotoFactory(connection=connection_, price=price, credits=price)
    client.force_login(connection_.sender)
    html = page(client, reverse("sender:photos"))
    assert f"photo.jpg · {shown}</div>" in html
    if price == 1:
        assert "1 credits" not in html


def test_the_send_page_gives_its_script_both_words_for_photo(client, connection_):
    client.force_login(connection_.sender)
    html = page(client, reverse("sender:photo_send", args=[connection_.pk]))
    assert 'data-one="photo" data-other="photos"' in html


def test_a_one_credit_pack_label_is_singular():
    with translation.override("en"):
        assert _pack_label(1) == "1 credit · $0.01"
        assert _pack_label(1500) == "1,500 credits · $15.00"


@pytest.mark.parametrize(
    ("language", "said"),
    [("en", "1 photo sent, 100 credits charged."), ("es", "1 foto enviada; se cobraron 100")],
)
def test_sending_one_photo_says_one_photo(
    client, connection_, django_capture_on_commit_callbacks, language, said
):
    sender = connection_.sender
    sender.language = language
    sender.save(update_fields=["language"])
    give_credits(sender, 500)
    client.force_login(sender)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("sender:photo_send", args=[connection_.pk]), {"photos": [jpeg_upload("a.jpg")]}
        )
    assert response.status_code == 302
    html = page(client, response["Location"])
    assert said in html
    assert "1 photos" not in html
