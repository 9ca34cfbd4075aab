"""Releasing or moving a person: photos still on their way are refunded once; the change is audited."""

import pytest
from tests.actors import SYSTEM
from tests.factories import ConnectionFactory, FacilityFactory, PhotoFactory, UserFactory

from kinframe.audit.models import AuditEvent
from kinframe.credits.selectors import balance_of, ledger_problems
from kinframe.custody.services import inmate_readmit, inmate_release, inmate_transfer
from kinframe.facilities.models import Inmate
from kinframe.facilities.services import FacilitySettingsError
from kinframe.photos.models import Photo

pytestmark = pytest.mark.django_db


def test_release_refunds_pending_photos_and_keeps_delivered_ones(connection_):
    pending = PhotoFactory(connection=connection_, credits=300)
    delivered = PhotoFactory(connection=connection_, charged=True, status=Photo.Status.APPROVED)
    assert balance_of(connection_.sender) == 100

    inmate_release(inmate=connection_.inmate, actor=SYSTEM)
    inmate_release(inmate=connection_.inmate, actor=SYSTEM)  # twice: nothing more happens

    pending.refresh_from_db()
    delivered.refresh_from_db()
    assert pending.status == Photo.Status.UNDELIVERABLE
    assert delivered.status == Photo.Status.APPROVED
    assert balance_of(connection_.sender) == 200
    assert Inmate.objects.get(pk=connection_.inmate.pk).status == Inmate.Status.RELEASED
    assert AuditEvent.objects.filter(action="inmate.released").count() == 1
    assert ledger_problems() == []


def test_transfer_refunds_photos_sent_to_the_facility_they_left(connection_):
    pending = PhotoFactory(connection=connection_, credits=200)
    new_home = FacilityFactory(agency=connection_.inmate.agency)

    inmate_transfer(inmate=connection_.inmate, facility=new_home, actor=SYSTEM)

    pending.refresh_from_db()
    assert pending.status == Photo.Status.UNDELIVERABLE
    assert balance_of(connection_.sender) == 200
    assert Inmate.objects.get(pk=connection_.inmate.pk).facility == new_home


def test_transfer_to_another_agency_is_refused(inmate):
    with pytest.raises(FacilitySettingsError):
        inmate_transfer(inmate=inmate, facility=FacilityFactory(), actor=SYSTEM)
    assert Inmate.objects.get(pk=inmate.pk).facility == inmate.facility


def test_operator_releasing_in_the_admin_goes_through_the_service(client):
    operator = UserFactory(username="op", is_staff=True, is_superuser=True)
    connection = ConnectionFactory()
    photo = PhotoFactory(connection=connection, credits=100)
    inmate = connection.inmate
    client.force_login(operator)
    response = client.post(
        f"/admin/facilities/inmate/{inmate.pk}/change/",
        {
            "agency": inmate.agency_id,
            "facility": inmate.facility_id,
            "number": inmate.number,
            "first_name": inmate.first_name,
            "last_name": inmate.last_name,
            "status": "released",
            "pin": "",
        },
    )
    assert response.status_code == 302
    photo.refresh_from_db()
    assert photo.status == Photo.Status.UNDELIVERABLE
    assert balance_of(connection.sender) == 100
    assert AuditEvent.objects.get(action="inmate.released").actor_user == operator

    inmate_readmit(inmate=inmate, actor=SYSTEM)
    assert Inmate.objects.get(pk=inmate.pk).status == Inmate.Status.ACTIVE
