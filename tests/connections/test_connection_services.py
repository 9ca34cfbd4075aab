"""Connection rules the people involved notice: who may ask, who answers, what each is told."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone
from tests.actors import as_inmate, as_sender, as_staff
from tests.factories import ConnectionFactory, InmateFactory, StaffFactory, UserFactory

from kinframe.audit.models import AuditEvent
from kinframe.connections.models import Connection
from kinframe.connections.services import (
    ConnectionNotAllowed,
    connection_approve,
    connection_decline,
    connection_request,
)
from kinframe.custody.services import connection_end
from kinframe.facilities.models import Inmate

pytestmark = pytest.mark.django_db


@pytest.fixture
def requested(sender, inmate):
    return connection_request(actor=as_sender(sender), inmate=inmate, relationship="  mother ")


def test_request_waits_for_the_inmate_and_is_audited(sender, inmate, requested):
    assert requested.status == Connection.Status.REQUESTED
    assert requested.relationship == "mother"
    assert requested.agency == inmate.agency
    event = AuditEvent.objects.get(action="connection.requested")
    assert (event.actor_user, event.facility, event.target_id) == (
        sender,
        inmate.facility,
        str(requested.pk),
    )


@pytest.mark.parametrize(
    ("existing", "message"),
    [
        (Connection.Status.REQUESTED, "already asked"),
        (Connection.Status.APPROVED, "already connected"),
        (Connection.Status.BLOCKED, "cannot send a request"),
    ],
)
def test_request_refuses_an_open_or_blocked_pair(sender, inmate, existing, message):
    ConnectionFactory(sender=sender, inmate=inmate, status=existing)
    with pytest.raises(ConnectionNotAllowed, match=message):
        connection_request(actor=as_sender(sender), inmate=inmate)
    assert Connection.objects.filter(sender=sender, inmate=inmate).count() == 1


def test_request_refuses_a_released_person(sender, inmate):
    Inmate.objects.filter(pk=inmate.pk).update(status=Inmate.Status.RELEASED)
    with pytest.raises(ConnectionNotAllowed, match="no longer held"):
        connection_request(actor=as_sender(sender), inmate=inmate)
    assert not Connection.objects.exists()


def test_request_refuses_a_facility_with_photos_off(sender, inmate, facility):
    facility.photos_enabled = False
    facility.save()
    with pytest.raises(ConnectionNotAllowed, match="does not accept photos"):
        connection_request(actor=as_sender(sender), inmate=inmate)
    assert not Connection.objects.exists()


def test_request_refuses_a_long_relationship(sender, inmate):
    with pytest.raises(ConnectionNotAllowed, match="at most 60"):
        connection_request(actor=as_sender(sender), inmate=inmate, relationship="x" * 61)
    assert not Connection.objects.exists()


def test_after_a_decline_the_sender_waits_thirty_days(sender, inmate, requested):
    connection_decline(connection=requested, actor=as_inmate(inmate))
    with pytest.raises(ConnectionNotAllowed, match="declined your request"):
        connection_request(actor=as_sender(sender), inmate=inmate)
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        again = connection_request(actor=as_sender(sender), inmate=inmate)
    assert again.status == Connection.Status.REQUESTED


def test_after_an_end_the_sender_may_ask_again(sender, inmate, connection_):
    connection_end(connection=connection_, actor=as_sender(sender))
    again = connection_request(actor=as_sender(sender), inmate=inmate)
    assert again.status == Connection.Status.REQUESTED


def test_approve_tells_the_sender_and_audits_the_inmate(
    sender, inmate, requested, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        connection = connection_approve(connection=requested, actor=as_inmate(inmate))
    assert connection.status == Connection.Status.APPROVED
    assert connection.decided_at is not None
    event = AuditEvent.objects.get(action="connection.approved")
    assert (event.actor_kind, event.actor_inmate) == ("inmate", inmate)
    assert [m.to for m in mail.outbox] == [[sender.email]]
    assert "accepted" in mail.outbox[0].subject
    assert inmate.full_name in mail.outbox[0].body


def test_decline_tells_the_sender(sender, inmate, requested, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        connection_decline(connection=requested, actor=as_inmate(inmate))
    requested.refresh_from_db()
    assert requested.status == Connection.Status.DECLINED
    assert "declined" in mail.outbox[0].subject
    assert AuditEvent.objects.filter(action="connection.declined", actor_inmate=inmate).exists()


def test_an_answer_counts_once(inmate, requested, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        connection_approve(connection=requested, actor=as_inmate(inmate))
        with pytest.raises(ConnectionNotAllowed, match="already answered"):
            connection_approve(connection=requested, actor=as_inmate(inmate))
        with pytest.raises(ConnectionNotAllowed, match="already answered"):
            connection_decline(connection=requested, actor=as_inmate(inmate))
    requested.refresh_from_db()
    assert requested.status == Connection.Status.APPROVED
    assert len(mail.outbox) == 1


def test_only_the_person_asked_can_answer(facility, requested):
    someone_else = InmateFactory(facility=facility)
    with pytest.raises(ConnectionNotAllowed, match="not addressed to you"):
        connection_approve(connection=requested, actor=as_inmate(someone_else))
    requested.refresh_from_db()
    assert requested.status == Connection.Status.REQUESTED


def test_staff_can_answer_on_the_inmates_behalf(facility, inmate, requested):
    staff = StaffFactory(facility=facility)
    connection_approve(connection=requested, actor=as_staff(staff))
    event = AuditEvent.objects.get(action="connection.approved")
    assert (event.actor_kind, event.actor_user) == ("staff", staff)


def test_a_released_person_cannot_be_connected(inmate, requested):
    Inmate.objects.filter(pk=inmate.pk).update(status=Inmate.Status.RELEASED)
    with pytest.raises(ConnectionNotAllowed, match="no longer held"):
        connection_approve(connection=requested, actor=as_inmate(inmate))
    requested.refresh_from_db()
    assert requested.status == Connection.Status.REQUESTED


def test_sender_ends_their_own_connection_once(sender, connection_):
    connection_end(connection=connection_, actor=as_sender(sender))
    connection_.refresh_from_db()
    assert connection_.status == Connection.Status.ENDED
    with pytest.raises(ConnectionNotAllowed, match="already ended"):
        connection_end(connection=connection_, actor=as_sender(sender))
    assert AuditEvent.objects.filter(action="connection.ended", actor_user=sender).count() == 1


def test_nobody_else_ends_a_connection(connection_):
    with pytest.raises(ConnectionNotAllowed, match="not yours"):
        connection_end(connection=connection_, actor=as_sender(UserFactory()))
    with pytest.raises(ConnectionNotAllowed, match="not yours"):
        connection_end(connection=connection_, actor=as_inmate(InmateFactory()))
    connection_.refresh_from_db()
    assert connection_.status == Connection.Status.APPROVED


def test_the_inmate_can_end_a_connection(inmate, connection_):
    connection_end(connection=connection_, actor=as_inmate(inmate))
    connection_.refresh_from_db()
    assert connection_.status == Connection.Status.ENDED
    assert AuditEvent.objects.get(action="connection.ended").actor_inmate == inmate


def test_ending_a_connection_refunds_photos_not_yet_reviewed(django_capture_on_commit_callbacks):
    """Found in review: a pending photo was still approved and delivered after the sender left."""
    from django.core import mail
    from tests.factories import PhotoFactory

    from kinframe.credits.selectors import balance_of
    from kinframe.photos.models import Photo

    connection = ConnectionFactory()
    pending = PhotoFactory(connection=connection, credits=300)
    delivered = PhotoFactory(connection=connection, charged=True, status=Photo.Status.APPROVED)
    with django_capture_on_commit_callbacks(execute=True):
        connection_end(connection=connection, actor=as_sender(connection.sender))
    pending.refresh_from_db()
    delivered.refresh_from_db()
    assert pending.status == Photo.Status.UNDELIVERABLE
    assert delivered.status == Photo.Status.APPROVED
    assert balance_of(connection.sender) == 200
    assert "connection was ended" in mail.outbox[-1].body
