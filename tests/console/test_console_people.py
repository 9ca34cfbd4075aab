"""Facility admins do by hand what only the operator could: reset a kiosk PIN, book, correct,
move and release people, and manage their own facility's staff."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse
from tests.factories import (
    PIN,
    ConnectionFactory,
    FacilityFactory,
    InmateFactory,
    PhotoFactory,
    StaffFactory,
)
from tests.kiosk.kiosk_helpers import kiosk_screen, kiosk_sign_in
from tests.photos.photo_helpers import balance_of

from kinframe.accounts.models import User
from kinframe.audit.models import AuditEvent
from kinframe.facilities.models import Inmate, StaffMembership
from kinframe.photos.models import Photo

Role = StaffMembership.Role


@pytest.fixture
def admin_client(client, facility_admin):
    client.force_login(facility_admin)
    return client


def url(name, facility, *args):
    return reverse(f"console:{name}", args=[facility.code, *args])


def test_a_pin_reset_gives_a_one_time_pin_the_kiosk_makes_them_change(
    admin_client, facility, inmate
):
    screen = kiosk_screen(facility)
    for _ in range(5):
        kiosk_sign_in(screen, inmate, "000000")  # locked out: "ask staff"
    page = admin_client.post(url("person_reset_pin", facility, inmate.pk))
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"]
    one_time = page.context["new_pin"]
    assert len(one_time) == 6
    assert one_time.isdigit()
    assert one_time not in Inmate.objects.get(pk=inmate.pk).pin_hash

    assert kiosk_sign_in(screen, inmate, PIN).status_code != 302  # the old PIN is gone
    signed_in = kiosk_sign_in(screen, inmate, one_time)
    assert signed_in["Location"] == reverse("kiosk:new_pin")
    assert screen.get(reverse("kiosk:home"))["Location"] == reverse("kiosk:new_pin")
    assert screen.post(
        reverse("kiosk:new_pin"), {"pin": "271828", "pin_again": "271828"}
    ).status_code in (200, 302)
    inmate.refresh_from_db()
    assert AuditEvent.objects.filter(action="inmate.pin_reset", facility=facility).exists()


def test_book_correct_move_and_release_by_hand(admin_client, facility, sender):
    sister = FacilityFactory(agency=facility.agency)
    response = admin_client.post(
        url("person_book", facility), {"number": "A-77", "first_name": "Lee", "last_name": "Chan"}
    )
    person = Inmate.objects.get(number="A-77")
    assert response["Location"] == url("person", facility, person.pk)
    assert (person.facility, person.agency) == (facility, facility.agency)

    admin_client.post(
        url("person_correct", facility, person.pk), {"first_name": "Li", "last_name": "Chan"}
    )
    person.refresh_from_db()
    assert person.first_name == "Li"

    waiting = PhotoFactory(connection=ConnectionFactory(sender=sender, inmate=person), credits=500)
    admin_client.post(url("person_transfer", facility, person.pk), {"facility": sister.pk})
    person.refresh_from_db()
    waiting.refresh_from_db()
    assert person.facility == sister
    assert waiting.status == Photo.Status.UNDELIVERABLE
    assert balance_of(sender) == 500
    # Now held elsewhere: not this facility's to see or release.
    assert admin_client.get(url("person", facility, person.pk)).status_code == 404
    assert admin_client.post(url("person_release", facility, person.pk)).status_code == 404

    here = InmateFactory(facility=facility)
    admin_client.post(url("person_release", facility, here.pk))
    here.refresh_from_db()
    assert here.status == Inmate.Status.RELEASED
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"inmate.booked", "inmate.rebooked", "inmate.transferred", "inmate.released"} <= actions


def test_moving_to_another_agencys_facility_is_refused(admin_client, facility, inmate):
    response = admin_client.post(
        url("person_transfer", facility, inmate.pk), {"facility": FacilityFactory().pk}
    )
    assert response.status_code == 400
    inmate.refresh_from_db()
    assert inmate.facility == facility


def test_bad_booking_input_gets_a_message_not_an_error(admin_client, facility):
    response = admin_client.post(
        url("person_book", facility), {"number": "x" * 40, "first_name": "", "last_name": "B"}
    )
    assert response.status_code == 400
    assert not Inmate.objects.filter(last_name="B").exists()


def test_admins_add_change_and_remove_their_own_staff(
    admin_client, facility, facility_admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            url("staff_add", facility), {"email": "new.hire@example.org", "role": "reviewer"}
        )
    assert response.status_code == 302
    hire = User.objects.get(email="new.hire@example.org")
    assert not hire.has_usable_password()
    member = StaffMembership.objects.get(user=hire, facility=facility)
    assert member.role == Role.REVIEWER
    assert [message.to for message in mail.outbox] == [["new.hire@example.org"]]

    admin_client.post(url("staff_role", facility, member.pk), {"role": "investigator"})
    member.refresh_from_db()
    assert member.role == Role.INVESTIGATOR

    own = StaffMembership.objects.get(user=facility_admin, facility=facility)
    assert (
        admin_client.post(url("staff_role", facility, own.pk), {"role": "reviewer"}).status_code
        == 400
    )
    assert admin_client.post(url("staff_remove", facility, own.pk)).status_code == 400
    own.refresh_from_db()
    assert own.role == Role.ADMIN

    admin_client.post(url("staff_remove", facility, member.pk))
    assert not StaffMembership.objects.filter(pk=member.pk).exists()
    assert User.objects.filter(pk=hire.pk).exists()
    assert {"staff.added", "staff.role_changed", "staff.removed"} <= set(
        AuditEvent.objects.values_list("action", flat=True)
    )


def test_staff_of_another_facility_cannot_be_changed(admin_client, facility):
    elsewhere = StaffFactory(facility=FacilityFactory())
    theirs = StaffMembership.objects.get(user=elsewhere)
    assert (
        admin_client.post(url("staff_role", facility, theirs.pk), {"role": "admin"}).status_code
        == 404
    )
    assert admin_client.post(url("staff_remove", facility, theirs.pk)).status_code == 404
    theirs.refresh_from_db()
    assert theirs.role == Role.REVIEWER


def test_a_senders_account_cannot_be_made_staff(admin_client, facility, connection_):
    response = admin_client.post(
        url("staff_add", facility), {"email": connection_.sender.email, "role": "admin"}
    )
    assert response.status_code == 400
    assert not StaffMembership.objects.filter(user=connection_.sender).exists()
