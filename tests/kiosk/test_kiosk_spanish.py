"""The kiosk in Spanish: a person's own language (kept on their kiosk profile) once they are signed
in, the screen's language (its cookie) before anyone is; choosing a language at the kiosk stays with
the person and is not handed to whoever uses the screen next. Counts read right in English.

Needs the compiled Spanish catalog (src/kinframe/locale), built from the merged translations.
"""

import pytest
from django.conf import settings
from django.urls import reverse
from tests.factories import ConnectionFactory, DeliveredPhotoFactory, InmateFactory, UserFactory
from tests.kiosk.kiosk_helpers import enrolled_device, kiosk_client, kiosk_screen, kiosk_sign_in

from kinframe.connections.models import Connection

pytestmark = pytest.mark.django_db

HOME = reverse("kiosk:home")
SIGN_IN = reverse("kiosk:sign_in")
SIGN_OUT = reverse("kiosk:sign_out")
CONNECTIONS = reverse("kiosk:connections")
LANGUAGE = reverse("kiosk:language")


@pytest.fixture
def spanish_person(facility):
    return InmateFactory(facility=facility, first_name="Rosa", language="es")


def test_a_person_who_chose_spanish_sees_the_gallery_in_spanish(spanish_person):
    sender = UserFactory(first_name="Ana", last_name="Ruiz")
    DeliveredPhotoFactory(connection=ConnectionFactory(sender=sender, inmate=spanish_person))
    ConnectionFactory(
        sender=UserFactory(first_name="Luis"),
        inmate=spanish_person,
        status=Connection.Status.REQUESTED,
    )
    html = kiosk_client(spanish_person).get(HOME).content.decode()
    assert "Hola, Rosa" in html
    assert "Personas que le piden enviarle fotos" in html
    assert ">Aprobar</button>" in html
    assert "Sus fotos" in html
    assert "1 nueva</span>" in html
    assert 'alt="Foto de Ana Ruiz"' in html
    assert "Cerrar sesión" in html
    assert "Hello, Rosa" not in html


def test_a_person_who_chose_spanish_sees_connections_and_the_viewer_in_spanish(spanish_person):
    sender = UserFactory(first_name="Ana", last_name="Ruiz")
    connection = ConnectionFactory(sender=sender, inmate=spanish_person)
    photo = DeliveredPhotoFactory(connection=connection)
    client = kiosk_client(spanish_person)

    html = client.get(CONNECTIONS).content.decode()
    assert "Sus conexiones" in html
    assert "Puede enviarle fotos" in html
    assert ">Terminar</a>" in html

    change = reverse(
        "kiosk:connection_change", kwargs={"connection_id": connection.pk, "change": "end"}
    )
    html = client.get(change).content.decode()
    assert "¿Dejar de recibir fotos de Ana Ruiz?" in html
    assert "Sí, terminarla" in html
    response = client.post(change, follow=True)
    assert "Usted terminó su conexión con Ana Ruiz." in response.content.decode()

    viewer = client.get(reverse("kiosk:photo", kwargs={"public_id": photo.public_id}))
    assert viewer.context["caption"].startswith("De Ana Ruiz · ")
    assert " de " in viewer.context["caption"]  # "3 de marzo de 2026"


def test_a_wrong_pin_is_refused_in_the_screen_language(facility, spanish_person):
    screen = kiosk_screen(facility)
    screen.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    response = kiosk_sign_in(screen, spanish_person, pin="000000")
    assert "No pudimos iniciar su sesión." in response.content.decode()


def test_before_sign_in_the_screen_cookie_language_applies(facility):
    screen = kiosk_screen(facility)
    assert "Sign in to see your photos" in screen.get(SIGN_IN).content.decode()

    response = screen.post(LANGUAGE, {"language": "es", "next": SIGN_IN})
    assert response.status_code == 302
    html = screen.get(SIGN_IN).content.decode()
    assert "Inicie sesión para ver sus fotos" in html
    assert "Su número" in html
    assert ">Siguiente</button>" in html  # the on-screen pad


def test_a_person_english_wins_over_a_spanish_screen(facility):
    english = InmateFactory(facility=facility, first_name="Sam", language="en")
    _, credential = enrolled_device(facility)
    screen = kiosk_screen(facility, credential=credential)
    screen.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    assert "Inicie sesión" in screen.get(SIGN_IN).content.decode()
    kiosk_sign_in(screen, english)
    assert "Hello, Sam" in screen.get(HOME).content.decode()


def test_choosing_spanish_at_the_kiosk_stays_with_the_person_not_the_screen(facility):
    first = InmateFactory(facility=facility, first_name="Rosa")
    second = InmateFactory(facility=facility, first_name="Marta")
    _, credential = enrolled_device(facility)
    screen = kiosk_client(first, credential=credential)
    assert "Hello, Rosa" in screen.get(HOME).content.decode()

    response = screen.post(LANGUAGE, {"language": "es", "next": HOME})
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.language == "es"
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies  # not the screen's choice
    assert "Hola, Rosa" in screen.get(HOME).content.decode()

    screen.post(SIGN_OUT, {"why": "button"})
    assert "Sign in to see your photos" in screen.get(SIGN_IN).content.decode()
    kiosk_sign_in(screen, second)
    assert "Hello, Marta" in screen.get(HOME).content.decode()
    second.refresh_from_db()
    assert second.language == ""

    screen.post(SIGN_OUT, {"why": "button"})
    kiosk_sign_in(screen, first)  # on any later visit, Rosa's screen speaks Spanish again
    assert "Hola, Rosa" in screen.get(HOME).content.decode()


def test_a_spanish_reader_signed_out_for_idleness_is_told_so_in_spanish(spanish_person):
    screen = kiosk_client(spanish_person)
    response = screen.post(SIGN_OUT, {"why": "idle"}, follow=True)
    assert "Se cerró su sesión porque la pantalla no se usó." in response.content.decode()


def test_a_session_ended_by_the_server_is_told_in_the_screen_language(
    facility, spanish_person, settings
):
    screen = kiosk_client(spanish_person)
    settings.KIOSK_IDLE_SECONDS = -1  # the session is already past its idle time
    response = screen.get(HOME, follow=True)
    html = response.content.decode()
    assert "You were signed out because the screen was not used." in html  # nobody chose Spanish
    assert "Sign in to see your photos" in html


def test_a_weak_pin_is_refused_in_spanish(facility, spanish_person):
    spanish_person.pin_must_change = True
    spanish_person.save()
    screen = kiosk_screen(facility)
    kiosk_sign_in(screen, spanish_person)
    html = screen.get(reverse("kiosk:new_pin")).content.decode()
    assert "Elija un PIN nuevo" in html
    assert "Use al menos 6 números." in html
    response = screen.post(reverse("kiosk:new_pin"), {"pin": "123456", "pin_again": "123456"})
    assert "Ese PIN es muy fácil de adivinar." in response.content.decode()


def test_new_photo_counts_read_right_in_english(inmate):
    connection = ConnectionFactory(inmate=inmate)
    DeliveredPhotoFactory(connection=connection)
    client = kiosk_client(inmate)
    assert 'data-testid="new-count">1 new</span>' in client.get(HOME).content.decode()
    DeliveredPhotoFactory(connection=connection)
    assert 'data-testid="new-count">2 new</span>' in client.get(HOME).content.decode()
