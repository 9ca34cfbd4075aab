"""Kiosk PINs: six digits or more, none of the common ones; weak old PINs are changed at sign-in."""

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st
from tests.actors import as_staff
from tests.factories import PIN, DeliveredPhotoFactory, StaffFactory
from tests.kiosk.kiosk_helpers import kiosk_screen, kiosk_sign_in

from kinframe.audit.models import AuditEvent
from kinframe.devices.pins import pin_problem
from kinframe.devices.services import PinRejected, inmate_set_pin
from kinframe.photos.models import PhotoView

NEW_PIN = reverse("kiosk:new_pin")
HOME = reverse("kiosk:home")

WEAK = [
    "1234", "2468", "12345", "123456", "111111", "000000", "123123", "654321", "121212",
    "112233", "890123", "135791", "147258", "001990", "199000", "201111", "198700", "20000",
    "1234567", "999999999", "12ab56", "", "\uff11\uff12\uff13\uff14\uff15\uff16",  # full-width digits
]  # fmt: skip


@pytest.mark.parametrize("pin", WEAK)
def test_weak_pins_are_refused(pin):
    assert pin_problem(pin) is not None


@pytest.mark.parametrize("pin", [PIN, "582941", "39174025", "602817"])
def test_unpatterned_pins_are_allowed(pin):
    assert pin_problem(pin) is None


def test_a_pin_may_not_contain_the_persons_number():
    assert pin_problem("920417", number="A417") is None  # 3 digits: too short to count
    assert pin_problem("710417", number="N10417") is not None


@given(st.text(max_size=20))
def test_only_six_to_twelve_plain_digits_pass(pin):
    if pin_problem(pin) is None:
        assert pin.isascii()
        assert pin.isdigit()
        assert 6 <= len(pin) <= 12
        assert len(set(pin)) > 1


@given(st.integers(1900, 2099), st.sampled_from("0123456789"), st.integers(0, 2))
def test_padded_years_are_refused(year, pad, where):
    pin = pad * where + str(year) + pad * (2 - where)
    assert pin_problem(pin) is not None


@given(st.integers(0, 9), st.sampled_from([1, 9]), st.integers(6, 12))
def test_runs_up_and_down_are_refused(first, step, length):
    pin = "".join(str((first + step * i) % 10) for i in range(length))
    assert pin_problem(pin) is not None


@pytest.mark.django_db
def test_staff_setting_a_weak_pin_is_refused_and_a_good_one_is_audited(facility, inmate):
    actor = as_staff(StaffFactory(facility=facility))
    with pytest.raises(PinRejected, match="too easy"):
        inmate_set_pin(actor=actor, inmate=inmate, pin="123456")
    inmate_set_pin(actor=actor, inmate=inmate, pin="582941")
    inmate.refresh_from_db()
    assert inmate.check_pin("582941")
    assert not inmate.check_pin(PIN)
    event = AuditEvent.objects.get(action="inmate.pin_changed")
    assert "582941" not in str(event.data)


@pytest.mark.django_db
def test_a_four_digit_pin_must_be_changed_before_anything_else(facility, connection_):
    person = connection_.inmate
    person.set_pin("2468")
    person.save()
    photo = DeliveredPhotoFactory(connection=connection_)
    screen = kiosk_screen(facility)
    assert kiosk_sign_in(screen, person, pin="2468")["Location"] == NEW_PIN
    page = screen.get(NEW_PIN)
    assert b'data-testid="kiosk-new-pin-required"' in page.content
    # Nothing else opens: not the gallery, not a photo, not an answer to a request.
    assert screen.get(HOME)["Location"] == NEW_PIN
    viewer = reverse("kiosk:photo", kwargs={"public_id": photo.public_id})
    assert screen.get(viewer)["Location"] == NEW_PIN
    display = reverse(
        "kiosk:photo_file", kwargs={"public_id": photo.public_id, "variant": "display"}
    )
    assert screen.get(display).status_code == 404
    assert not PhotoView.objects.exists()

    refused = screen.post(NEW_PIN, {"pin": "123456", "pin_again": "123456"})
    assert refused.status_code == 400
    assert b"too easy to guess" in refused.content
    mismatch = screen.post(NEW_PIN, {"pin": "582941", "pin_again": "582942"})
    assert mismatch.status_code == 400
    saved = screen.post(NEW_PIN, {"pin": "582941", "pin_again": "582941"})
    assert saved["Location"] == HOME
    assert screen.get(HOME).status_code == 200

    screen.post(reverse("kiosk:sign_out"))
    assert kiosk_sign_in(screen, person, pin="2468").status_code == 400
    assert kiosk_sign_in(screen, person, pin="582941")["Location"] == HOME
    assert AuditEvent.objects.filter(action="inmate.pin_changed", actor_inmate=person).count() == 1


@pytest.mark.django_db
def test_a_good_pin_goes_straight_home_and_may_still_be_changed(facility, inmate):
    screen = kiosk_screen(facility)
    assert kiosk_sign_in(screen, inmate)["Location"] == HOME
    page = screen.get(NEW_PIN)
    assert page.status_code == 200
    assert b'data-testid="kiosk-new-pin-required"' not in page.content
    same = screen.post(NEW_PIN, {"pin": PIN, "pin_again": PIN})
    assert b"different from your old one" in same.content
