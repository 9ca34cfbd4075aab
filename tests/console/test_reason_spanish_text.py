"""A rejection reason's optional Spanish text: staff write it on the settings page, and a sender who
reads Spanish sees it wherever the reason is shown to them; anyone else, or a reason without one,
shows the English text."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils.html import escape
from tests.actors import as_staff
from tests.factories import ConnectionFactory, PhotoFactory, UserFactory

from kinframe.audit.models import AuditEvent
from kinframe.facilities.services import FacilitySettingsError, rejection_reason_save
from kinframe.photos.services import photo_reject

pytestmark = pytest.mark.django_db

SPANISH = "La foto no cumple las normas de fotos del centro."


def test_admin_writes_the_spanish_text_on_the_settings_page(client, facility, facility_admin):
    reason = facility.rejection_reasons.get()
    client.force_login(facility_admin)
    page = client.get(reverse("console:settings", args=[facility.code])).content.decode()
    assert 'data-testid="reason-message-es"' in page
    prefix = f"reason-{reason.pk}"
    response = client.post(
        reverse("console:reason_edit", args=[facility.code, reason.pk]),
        {f"{prefix}-label": reason.label, f"{prefix}-sender_message": reason.sender_message,
         f"{prefix}-sender_message_es": f"  {SPANISH} ", f"{prefix}-is_active": "on"},
    )  # fmt: skip
    assert response.status_code == 302
    reason.refresh_from_db()
    assert reason.sender_message_es == SPANISH
    event = AuditEvent.objects.get(action="facility.reason_changed")
    assert event.data["sender_message_es"] == ["", SPANISH]
    page = client.get(reverse("console:settings", args=[facility.code])).content.decode()
    assert SPANISH in page


def test_a_new_reason_may_come_with_its_spanish_text_or_without(facility, facility_admin):
    with_spanish = rejection_reason_save(
        facility=facility,
        actor=as_staff(facility_admin, facility),
        label="Weapons",
        sender_message="Photos may not show weapons.",
        sender_message_es="Las fotos no pueden mostrar armas.",
    )
    assert with_spanish.sender_message_es == "Las fotos no pueden mostrar armas."
    without = rejection_reason_save(
        facility=facility, actor=as_staff(facility_admin, facility), label="Text",
        sender_message="Photos may not show writing.",
    )  # fmt: skip
    assert without.sender_message_es == ""
    with pytest.raises(FacilitySettingsError):
        rejection_reason_save(
            facility=facility, actor=as_staff(facility_admin, facility), label="Long",
            sender_message="Fine.", sender_message_es="x" * 301,
        )  # fmt: skip


@pytest.fixture
def rejected_photos(facility, reviewer):
    """One rejected photo for a Spanish reader and one for an English reader."""
    reason = facility.rejection_reasons.get()
    reason.sender_message_es = SPANISH
    reason.save()
    senders = {
        "es": UserFactory(username="hija", language="es"),
        "en": UserFactory(username="daughter", language="en"),
    }
    for sender in senders.values():
        photo = PhotoFactory(
            connection=ConnectionFactory(sender=sender, inmate__facility=facility), credits=100
        )
        photo_reject(photo=photo, actor=as_staff(reviewer), reason=reason)
    return senders, reason


def test_the_sender_photo_history_shows_the_reason_in_their_language(client, rejected_photos):
    senders, reason = rejected_photos
    client.force_login(senders["es"])
    html = client.get(reverse("sender:photos")).content.decode()
    assert SPANISH in html
    assert escape(reason.sender_message) not in html
    client.force_login(senders["en"])
    html = client.get(reverse("sender:photos")).content.decode()
    assert escape(reason.sender_message) in html
    assert SPANISH not in html


def test_the_photo_rules_page_shows_the_spanish_text_to_a_spanish_reader(
    client, facility, rejected_photos
):
    senders, reason = rejected_photos
    url = reverse("sender:photo_rules", args=[facility.code])
    client.force_login(senders["es"])
    assert SPANISH in client.get(url).content.decode()
    client.force_login(senders["en"])
    assert escape(reason.sender_message) in client.get(url).content.decode()
