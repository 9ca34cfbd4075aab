"""Facility settings in the console and the facilities services behind them."""

from __future__ import annotations

import pytest
from django.urls import reverse
from tests.actors import as_staff

from kinframe.audit.models import AuditEvent
from kinframe.facilities.models import Facility, RejectionReason
from kinframe.facilities.services import (
    FacilitySettingsError,
    facility_update_settings,
    rejection_reason_save,
)

pytestmark = pytest.mark.django_db


def settings_url(facility) -> str:
    return reverse("console:settings", args=[facility.code])


def test_admin_turns_photos_off_and_changes_the_price(client, facility, facility_admin):
    client.force_login(facility_admin)
    response = client.post(settings_url(facility), {"photo_price": "150"}, follow=True)
    assert "Settings saved." in response.content.decode()
    facility.refresh_from_db()
    assert facility.photos_enabled is False
    assert facility.photo_price == 150
    event = AuditEvent.objects.get(action="facility.settings_changed")
    assert event.actor_user == facility_admin
    assert event.actor_kind == "staff"
    assert event.facility == facility
    assert event.data == {"photos_enabled": [True, False], "photo_price": [100, 150]}


@pytest.mark.parametrize("price", ["0", "-5", "1.5", "abc", ""])
def test_a_price_that_is_not_a_positive_whole_number_is_refused(
    client, facility, facility_admin, price
):
    client.force_login(facility_admin)
    response = client.post(settings_url(facility), {"photos_enabled": "on", "photo_price": price})
    assert response.status_code == 400
    assert 'class="errorlist' in response.content.decode()
    facility.refresh_from_db()
    assert facility.photo_price == 100
    assert not AuditEvent.objects.filter(action="facility.settings_changed").exists()


def test_a_reviewer_cannot_change_settings(client, facility, reviewer):
    client.force_login(reviewer)
    response = client.post(settings_url(facility), {"photo_price": "1"})
    assert response.status_code == 404
    facility.refresh_from_db()
    assert (facility.photos_enabled, facility.photo_price) == (True, 100)


def test_admin_adds_a_reason_that_reviewers_can_then_pick(
    client, facility, facility_admin, reviewer, photo
):
    client.force_login(facility_admin)
    response = client.post(
        reverse("console:reason_add", args=[facility.code]),
        {"new-label": "Shows a weapon", "new-sender_message": "Photos may not show weapons.",
         "new-is_active": "on"},
    )  # fmt: skip
    assert response.status_code == 302
    reason = RejectionReason.objects.get(facility=facility, label="Shows a weapon")
    assert reason.code == "shows-a-weapon"
    assert reason.is_active
    assert AuditEvent.objects.filter(action="facility.reason_added", facility=facility).exists()
    client.force_login(reviewer)
    html = client.get(reverse("console:review_queue", args=[facility.code])).content.decode()
    assert "Shows a weapon" in html


def test_admin_edits_the_sender_text_and_deactivates_a_reason(client, facility, facility_admin):
    reason = facility.rejection_reasons.get()
    client.force_login(facility_admin)
    url = reverse("console:reason_edit", args=[facility.code, reason.pk])
    prefix = f"reason-{reason.pk}"
    client.post(url, {f"{prefix}-label": "Policy", f"{prefix}-sender_message": "New words.",
                      f"{prefix}-is_active": "on"})  # fmt: skip
    reason.refresh_from_db()
    assert (reason.label, reason.sender_message, reason.is_active) == ("Policy", "New words.", True)
    client.post(url, {f"{prefix}-label": "Policy", f"{prefix}-sender_message": "New words."})
    reason.refresh_from_db()
    assert reason.is_active is False
    events = AuditEvent.objects.filter(action="facility.reason_changed").order_by("id")
    assert [e.data.get("is_active") for e in events] == [None, [True, False]]
    assert events[0].data["sender_message"][1] == "New words."


def test_an_empty_reason_is_refused_with_a_message(client, facility, facility_admin):
    reason = facility.rejection_reasons.get()
    client.force_login(facility_admin)
    response = client.post(
        reverse("console:reason_edit", args=[facility.code, reason.pk]),
        {f"reason-{reason.pk}-label": "", f"reason-{reason.pk}-sender_message": ""},
    )
    assert response.status_code == 400
    reason.refresh_from_db()
    assert reason.label == "Against policy"


def test_a_reason_of_another_facility_cannot_be_edited_here(
    client, facility, facility_admin, other_facility
):
    foreign = other_facility.rejection_reasons.get()
    client.force_login(facility_admin)
    response = client.post(
        reverse("console:reason_edit", args=[facility.code, foreign.pk]),
        {f"reason-{foreign.pk}-label": "Hijacked", f"reason-{foreign.pk}-sender_message": "x"},
    )
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.label == "Against policy"


# --- The services themselves -------------------------------------------------------------------------


def test_settings_service_refuses_a_price_below_one(facility, facility_admin):
    for price in (0, -1, True):
        with pytest.raises(FacilitySettingsError):
            facility_update_settings(
                facility=facility,
                actor=as_staff(facility_admin),
                photos_enabled=True,
                photo_price=price,
            )
    assert Facility.objects.get(pk=facility.pk).photo_price == 100


def test_settings_service_records_nothing_when_nothing_changes(facility, facility_admin):
    facility_update_settings(
        facility=facility, actor=as_staff(facility_admin), photos_enabled=True, photo_price=100
    )
    assert not AuditEvent.objects.filter(action="facility.settings_changed").exists()


def test_new_reasons_get_unique_codes_and_go_last(facility, facility_admin):
    first = rejection_reason_save(
        facility=facility,
        actor=as_staff(facility_admin),
        label="Against policy",
        sender_message="Again.",
    )
    second = rejection_reason_save(
        facility=facility,
        actor=as_staff(facility_admin),
        label="Against policy",
        sender_message="Third.",
    )
    assert [first.code, second.code] == ["against-policy", "against-policy-2"]
    assert second.position > first.position


def test_reason_service_refuses_another_facilitys_reason(facility, facility_admin, other_facility):
    foreign = other_facility.rejection_reasons.get()
    with pytest.raises(FacilitySettingsError):
        rejection_reason_save(
            facility=facility,
            actor=as_staff(facility_admin),
            reason=foreign,
            label="x",
            sender_message="y",
        )
