"""The console in Spanish for staff who chose it, and still in English for everyone else.

A staff member's ``language`` wins over the browser (``AccountLanguageMiddleware``), so each page
is read by a facility admin who chose Spanish, then by one who did not. These tests need the
compiled Spanish catalog (``compilemessages``).
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation
from tests.actors import as_staff
from tests.factories import PhotoFactory, StaffFactory

from kinframe.audit.labels import action_label
from kinframe.facilities.models import RejectionReason, StaffMembership
from kinframe.restrictions.services import RestrictionError, block_create

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def back_to_english():
    """A request leaves its language active in the thread; the next test must not read Spanish."""
    yield
    translation.deactivate()


@pytest.fixture
def spanish_admin(facility):
    admin = StaffFactory(facility=facility, facility__role=StaffMembership.Role.ADMIN)
    admin.language = "es"
    admin.save(update_fields=["language"])
    return admin


@pytest.fixture
def english_admin(facility):
    return StaffFactory(facility=facility, facility__role=StaffMembership.Role.ADMIN)


def page(client, user, name, facility, query=None) -> str:
    client.force_login(user)
    response = client.get(reverse(f"console:{name}", args=[facility.code]), query or {})
    assert response.status_code == 200
    return response.content.decode()


# Each page: (url name, query, a Spanish sentence the reader sees, the English it replaces).
PAGES = [
    ("review_queue", None, "Cuadrícula de revisión", "Review grid"),
    ("review", None, "Aprobar", "Approve"),
    ("photos", None, "Las más recientes primero.", "Newest first."),
    ("people", None, "Registrar a una persona a mano", "Book a person by hand"),
    ("blocks", None, "Bloqueos y suspensiones", "Blocks and suspensions"),
    ("watchlist", None, "La lista de vigilancia está vacía.", "The watch list is empty."),
    ("investigations", None, "Busque por remitente, persona, fechas", "Search by sender, person"),
    ("reports", None, "Rechazos por motivo", "Rejections by reason"),
    ("audit", None, "Registro de auditoría", "Audit trail"),
    ("settings", None, "Configuración del centro", "Facility settings"),
    ("staff", None, "Agregar a un colega", "Add a colleague"),
    ("kiosks", None, "Registrar un quiosco", "Enrol a kiosk"),
    ("appeals", None, "No hay apelaciones en espera.", "No appeals are waiting."),
    ("connections", None, "Solicitudes de conexión", "Connection requests"),
]


@pytest.mark.parametrize(("name", "query", "spanish", "english"), PAGES)
def test_a_staff_member_who_chose_spanish_reads_each_console_page_in_spanish(
    client, facility, spanish_admin, photo, name, query, spanish, english
):
    html = page(client, spanish_admin, name, facility, query)
    assert spanish in html
    assert english not in html
    assert 'lang="es"' in html


@pytest.mark.parametrize(("name", "query", "spanish", "english"), PAGES)
def test_a_staff_member_who_did_not_choose_reads_english(
    client, facility, english_admin, photo, name, query, spanish, english
):
    html = page(client, english_admin, name, facility, query)
    assert english in html
    assert spanish not in html


def test_the_review_grid_counts_one_photo_in_spanish(client, facility, spanish_admin, photo):
    html = page(client, spanish_admin, "review_queue", facility)
    assert "Esta 1 foto está reservada para usted" in html
    assert "1 foto enviada" in html
    assert "Rechazar porque…" in html


def test_the_review_grid_counts_several_photos_in_spanish(client, facility, spanish_admin, photo):
    PhotoFactory(connection=photo.connection, credits=500)
    html = page(client, spanish_admin, "review_queue", facility)
    assert "Estas 2 fotos están reservadas para usted" in html
    assert "2 fotos enviadas" in html


def test_the_review_grid_counts_several_photos_in_english(client, facility, english_admin, photo):
    PhotoFactory(connection=photo.connection, credits=500)
    html = page(client, english_admin, "review_queue", facility)
    assert "These 2 photos are held for you" in html
    assert "2 photos sent" in html
    assert "1 photos" not in html


def test_english_plurals_read_right_for_one_and_for_many(client, facility, english_admin, photo):
    html = page(client, english_admin, "review_queue", facility)
    assert "This 1 photo is held for you" in html
    assert "1 photo sent" in html
    client.force_login(english_admin)
    home = client.get(reverse("console:home")).content.decode()
    assert "1 waiting for review" in home


def test_the_front_page_counts_waiting_photos_in_spanish(client, facility, spanish_admin, photo):
    client.force_login(spanish_admin)
    html = client.get(reverse("console:home")).content.decode()
    assert "Sus centros" in html
    assert "1 foto en espera de revisión" in html
    PhotoFactory(connection=photo.connection, credits=500)
    html = client.get(reverse("console:home")).content.decode()
    assert "2 fotos en espera de revisión" in html


def test_the_review_script_gets_its_words_from_the_page(client, facility, spanish_admin, photo):
    html = page(client, spanish_admin, "review", facility)
    assert 'data-msg-look-first="Mire la foto primero."' in html
    assert 'data-msg-position="Foto {n} de las {total} reservadas para usted"' in html
    script = open_static("kinframe/review.js")
    for sentence in ("Look at the photo first", "held for you", "Something went wrong", "Paused"):
        assert sentence not in script


def open_static(path: str) -> str:
    from django.contrib.staticfiles import finders

    found = finders.find(path)
    assert found
    with open(found, encoding="utf-8") as handle:
        return handle.read()


def test_a_photo_record_and_its_history_read_in_spanish(client, facility, spanish_admin, photo):
    client.force_login(spanish_admin)
    url = reverse("console:photo_detail", args=[facility.code, photo.public_id])
    html = client.get(url).content.decode()
    assert f"Foto para {photo.inmate.full_name}" in html
    assert "Cada vez que la persona destinataria o un miembro del personal abrió esta foto" in html
    assert "100 créditos" in html
    assert "Photo to " not in html


def test_investigation_results_count_photos_in_spanish(client, facility, spanish_admin, photo):
    html = page(
        client, spanish_admin, "investigations", facility, {"sender": photo.sender.username}
    )
    assert "1 foto, la más reciente primero. Marque las fotos para un caso." in html


def test_the_audit_trail_reads_actions_in_the_readers_language(
    client, facility, spanish_admin, english_admin
):
    client.force_login(spanish_admin)
    client.post(reverse("console:settings", args=[facility.code]), {"photo_price": "150"})
    html = page(client, spanish_admin, "audit", facility)
    assert "Configuración del centro cambiada" in html
    assert "Facility settings changed" not in html
    html = page(client, english_admin, "audit", facility)
    assert "Facility settings changed" in html
    with translation.override("es"):
        assert action_label("photo.rejected") == "Rechazada"
        assert action_label("flag.raised") == "Flag raised"  # an unknown code still reads as words


def test_messages_after_an_action_are_in_spanish(client, facility, spanish_admin):
    client.force_login(spanish_admin)
    response = client.post(
        reverse("console:settings", args=[facility.code]), {"photo_price": "150"}, follow=True
    )
    assert "Configuración guardada." in response.content.decode()


def test_a_form_error_from_the_console_is_in_spanish(client, facility, spanish_admin):
    client.force_login(spanish_admin)
    response = client.post(
        reverse("console:block_new", args=[facility.code]),
        {"sender": "nobody-at-all", "scope": "facility", "reason": "x"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Ningún remitente tiene exactamente ese usuario, correo electrónico o número." in html
    assert "Motivo (solo para el personal; el remitente nunca lo ve)" in html


def test_a_restriction_service_error_is_raised_in_the_active_language(
    facility, spanish_admin, sender
):
    with translation.override("es"), pytest.raises(RestrictionError) as error:
        block_create(
            actor=as_staff(spanish_admin, facility),
            facility=facility,
            sender=sender,
            scope="facility",
            inmate=None,
            reason="",
            ends_at=None,
        )
    assert str(error.value) == "Indique un motivo (solo lo verá el personal)."


def test_reports_name_months_in_spanish(client, facility, spanish_admin):
    html = page(
        client,
        spanish_admin,
        "reports",
        facility,
        {"period": "month", "since": "2026-01-01", "until": "2026-03-31"},
    )
    assert "Mes" in html
    assert "ene 2026" in html
    assert "Jan 2026" not in html


def test_settings_page_labels_are_in_spanish(client, facility, spanish_admin):
    RejectionReason.objects.filter(facility=facility).update(is_active=True)
    html = page(client, spanish_admin, "settings", facility)
    assert "Las familias pueden enviar fotos a las personas de este centro" in html
    assert "Un precio nuevo se aplica a las fotos que se envíen a partir de ahora." in html
    assert "Families can send photos" not in html
