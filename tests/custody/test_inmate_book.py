"""``inmate_book`` on its own: the roster's line becomes the record, through the roster services."""

import pytest
from tests.factories import PIN, FacilityFactory, InmateFactory

from kinframe.audit.actors import SYSTEM
from kinframe.audit.models import AuditEvent
from kinframe.custody.services import inmate_book
from kinframe.facilities.models import Inmate
from kinframe.facilities.services import FacilitySettingsError

pytestmark = pytest.mark.django_db


def test_books_then_moves_and_readmits_with_one_summary_event(jail, annex, agency):
    inmate, created = inmate_book(
        agency=agency,
        facility=jail,
        number=" A1 ",
        first_name="Ada ",
        last_name="King",
        actor=SYSTEM,
    )
    assert created
    assert (inmate.number, inmate.first_name) == ("A1", "Ada")
    assert AuditEvent.objects.get(action="inmate.booked").actor_kind == "system"

    Inmate.objects.filter(pk=inmate.pk).update(status=Inmate.Status.RELEASED)
    inmate, created = inmate_book(
        agency=agency,
        facility=annex,
        number="A1",
        first_name="Ada",
        last_name="Lovelace",
        actor=SYSTEM,
    )
    assert not created
    assert (inmate.facility, inmate.status, inmate.last_name) == (annex, "active", "Lovelace")
    assert AuditEvent.objects.get(action="inmate.rebooked").data == {
        "last_name": ["King", "Lovelace"],
        "facility": ["county-jail", "annex"],
        "status": ["released", "active"],
    }
    assert (
        AuditEvent.objects.filter(action__in=["inmate.transferred", "inmate.readmitted"]).count()
        == 2
    )


def test_refuses_another_agencys_facility_and_empty_names(agency, jail):
    with pytest.raises(FacilitySettingsError):
        inmate_book(
            agency=agency,
            facility=FacilityFactory(),
            number="A1",
            first_name="A",
            last_name="B",
            actor=SYSTEM,
        )
    with pytest.raises(FacilitySettingsError):
        inmate_book(
            agency=agency, facility=jail, number="A1", first_name=" ", last_name="B", actor=SYSTEM
        )
    assert not Inmate.objects.exists()


def test_keeps_the_kiosk_pin_of_a_known_person(agency, jail):
    InmateFactory(facility=jail, number="A1")
    inmate, _ = inmate_book(
        agency=agency, facility=jail, number="A1", first_name="X", last_name="Y", actor=SYSTEM
    )
    assert inmate.check_pin(PIN)
