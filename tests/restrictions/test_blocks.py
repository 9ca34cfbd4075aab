"""Blocks and suspensions: a blocked sender is stopped before paying, and what was waiting is
refunded exactly once. An agency-wide no-contact order holds at every facility of the agency."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from kinframe.audit.models import AuditEvent
from kinframe.connections.services import ConnectionNotAllowed, connection_request
from kinframe.credits.models import LedgerEntry
from kinframe.facilities.models import StaffMembership
from kinframe.photos.models import Photo
from kinframe.photos.services import PhotoSendError, photo_send
from kinframe.restrictions.models import Block
from kinframe.restrictions.services import (
    RestrictionError,
    block_create,
    block_end,
    suspension_create,
)
from tests.actors import as_sender, as_staff
from tests.factories import (
    ConnectionFactory,
    FacilityFactory,
    InmateFactory,
    PhotoFactory,
    StaffFactory,
    UserFactory,
    give_credits,
)
from tests.photos.photo_helpers import balance_of, charges, jpeg_upload

REASON = "Threats in a letter, case 24-117"


@pytest.fixture
def admin(facility):
    return StaffFactory(facility=facility, facility__role=StaffMembership.Role.ADMIN)


def block(admin, facility, sender, scope="person", inmate=None, **kwargs):
    return block_create(
        actor=as_staff(admin, facility),
        facility=facility,
        sender=sender,
        scope=scope,
        inmate=inmate,
        reason=REASON,
        **kwargs,
    )


def test_a_block_stops_a_send_before_any_credit_moves(admin, facility, sender, connection_):
    give_credits(sender, 500)
    block(admin, facility, sender, inmate=connection_.inmate)
    with pytest.raises(PhotoSendError) as refused:
        photo_send(actor=as_sender(sender), connection=connection_, upload=jpeg_upload())
    assert "cannot contact" in str(refused.value)
    assert REASON not in str(refused.value)
    assert "24-117" not in str(refused.value)
    assert balance_of(sender) == 500
    assert charges(sender) == 0
    assert not Photo.objects.exists()


def test_a_block_refunds_photos_already_waiting_exactly_once(admin, facility, sender, connection_):
    waiting = PhotoFactory(connection=connection_, credits=500)
    assert balance_of(sender) == 400
    block(admin, facility, sender, inmate=connection_.inmate)
    # A second, broader block over the same photo refunds nothing more.
    block(admin, facility, sender, scope="facility")
    waiting.refresh_from_db()
    assert waiting.status == Photo.Status.UNDELIVERABLE
    assert "reason" not in waiting.failure_message.lower()
    assert REASON not in waiting.failure_message
    assert balance_of(sender) == 500
    assert LedgerEntry.objects.filter(kind=LedgerEntry.Kind.PHOTO_REFUND).count() == 1
    event = AuditEvent.objects.get(action="block.created", data__scope="person")
    assert event.data["photos_refunded"] == 1


def test_a_block_leaves_other_senders_and_other_people_alone(admin, facility, sender, connection_):
    other_sender_photo = PhotoFactory(
        connection=ConnectionFactory(inmate=connection_.inmate), credits=500
    )
    other_person_photo = PhotoFactory(
        connection=ConnectionFactory(sender=sender, inmate=InmateFactory(facility=facility)),
        credits=500,
    )
    block(admin, facility, sender, inmate=connection_.inmate)
    for photo in (other_sender_photo, other_person_photo):
        photo.refresh_from_db()
        assert photo.status == Photo.Status.PENDING_REVIEW


def test_an_agency_wide_no_contact_order_holds_at_every_facility(admin, facility, sender):
    sister = FacilityFactory(agency=facility.agency)
    elsewhere = FacilityFactory()  # another agency
    at_sister = ConnectionFactory(sender=sender, inmate=InmateFactory(facility=sister))
    waiting = PhotoFactory(connection=at_sister, credits=500)
    give_credits(sender, 500)
    block(admin, facility, sender, scope="agency")

    waiting.refresh_from_db()
    assert waiting.status == Photo.Status.UNDELIVERABLE
    before = balance_of(sender)
    with pytest.raises(PhotoSendError):
        photo_send(actor=as_sender(sender), connection=at_sister, upload=jpeg_upload())
    for place in (facility, sister):
        with pytest.raises(ConnectionNotAllowed, match="cannot contact"):
            connection_request(actor=as_sender(sender), inmate=InmateFactory(facility=place))
    assert balance_of(sender) == before
    # Another agency's people are not covered by this agency's order.
    connection_request(actor=as_sender(sender), inmate=InmateFactory(facility=elsewhere))


def test_a_facility_block_does_not_reach_the_agencys_other_facilities(admin, facility, sender):
    sister = FacilityFactory(agency=facility.agency)
    block(admin, facility, sender, scope="facility")
    with pytest.raises(ConnectionNotAllowed):
        connection_request(actor=as_sender(sender), inmate=InmateFactory(facility=facility))
    connection_request(actor=as_sender(sender), inmate=InmateFactory(facility=sister))


def test_a_block_with_an_end_date_lapses_and_one_lifted_stops_at_once(
    admin, facility, sender, connection_
):
    give_credits(sender, 500)
    ends = timezone.now() + timedelta(days=7)
    block(admin, facility, sender, inmate=connection_.inmate, ends_at=ends)
    with pytest.raises(PhotoSendError, match="until"):
        photo_send(actor=as_sender(sender), connection=connection_, upload=jpeg_upload())
    with time_machine.travel(ends + timedelta(minutes=1)):
        photo_send(actor=as_sender(sender), connection=connection_, upload=jpeg_upload())

        forever = block(admin, facility, sender, scope="facility")
        with pytest.raises(PhotoSendError):
            photo_send(actor=as_sender(sender), connection=connection_, upload=jpeg_upload())
        block_end(actor=as_staff(admin, facility), block=forever)
        photo_send(actor=as_sender(sender), connection=connection_, upload=jpeg_upload())
    assert set(
        AuditEvent.objects.filter(action__startswith="block.").values_list("action", flat=True)
    ) == {
        "block.created",
        "block.ended",
    }


def test_only_the_facilitys_admins_block(facility, sender, connection_, reviewer):
    other_admin = StaffFactory(
        facility=FacilityFactory(agency=facility.agency),
        facility__role=StaffMembership.Role.ADMIN,
    )
    for who, where in ((reviewer, facility), (other_admin, facility)):
        actor = as_staff(who)
        with pytest.raises(PermissionError):
            block_create(
                actor=actor, facility=where, sender=sender, scope="facility", reason=REASON
            )
    assert not Block.objects.exists()


def test_a_block_needs_a_reason_a_future_end_and_a_person_held_here(admin, facility, sender):
    elsewhere = InmateFactory()
    with pytest.raises(RestrictionError):
        block_create(
            actor=as_staff(admin), facility=facility, sender=sender, scope="facility", reason=" "
        )
    with pytest.raises(RestrictionError):
        block(admin, facility, sender, ends_at=timezone.now() - timedelta(days=1), scope="agency")
    with pytest.raises(RestrictionError):
        block(admin, facility, sender, inmate=elsewhere)
    with pytest.raises(RestrictionError):
        block(admin, facility, UserFactory(is_superuser=True), scope="facility")
    assert not Block.objects.exists()


def test_a_suspension_stops_sends_and_refunds_what_waits(admin, facility, sender, connection_):
    waiting = PhotoFactory(connection=connection_, credits=500)
    until = timezone.now() + timedelta(days=30)
    suspension_create(
        actor=as_staff(admin), inmate=connection_.inmate, ends_at=until, reason="Contraband"
    )
    waiting.refresh_from_db()
    assert waiting.status == Photo.Status.UNDELIVERABLE
    assert balance_of(sender) == 500
    with pytest.raises(PhotoSendError, match="cannot receive photos until") as refused:
        photo_send(actor=as_sender(sender), connection=connection_, upload=jpeg_upload())
    assert "Contraband" not in str(refused.value)
    assert balance_of(sender) == 500
    with time_machine.travel(until + timedelta(minutes=1)):
        photo_send(actor=as_sender(sender), connection=connection_, upload=jpeg_upload())
