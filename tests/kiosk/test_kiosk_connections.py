"""A person's connections at the kiosk: ending and blocking one (the ``connection_block`` service
and its pages), for the person, for another person, and for a stranger at the screen."""

import pytest
from django.urls import reverse
from tests.actors import as_inmate, as_sender, as_staff
from tests.factories import (
    ConnectionFactory,
    FacilityFactory,
    InmateFactory,
    PhotoFactory,
    StaffFactory,
    UserFactory,
)
from tests.kiosk.kiosk_helpers import kiosk_client, kiosk_screen

from kinframe.audit.models import AuditEvent
from kinframe.connections.models import Connection
from kinframe.connections.services import ConnectionNotAllowed, connection_request
from kinframe.credits.selectors import balance_of
from kinframe.custody.services import connection_block
from kinframe.photos.models import Photo

pytestmark = pytest.mark.django_db

CONNECTIONS = reverse("kiosk:connections")


def change_url(connection, change):
    return reverse(
        "kiosk:connection_change", kwargs={"connection_id": connection.pk, "change": change}
    )


@pytest.fixture
def owner(inmate):
    return kiosk_client(inmate)


# --- the service ------------------------------------------------------------------------------


def test_blocking_refunds_waiting_photos_and_stops_new_requests(sender, inmate, connection_):
    waiting = PhotoFactory(connection=connection_, credits=100)
    assert balance_of(sender) == 0
    connection_block(connection=connection_, actor=as_inmate(inmate))
    connection_.refresh_from_db()
    waiting.refresh_from_db()
    assert connection_.status == Connection.Status.BLOCKED
    assert waiting.status == Photo.Status.UNDELIVERABLE
    assert balance_of(sender) == 100
    event = AuditEvent.objects.get(action="connection.blocked")
    assert event.actor_inmate == inmate
    assert event.data["photos_undeliverable"] == 1
    with pytest.raises(ConnectionNotAllowed, match="cannot send a request"):
        connection_request(actor=as_sender(sender), inmate=inmate)


def test_blocking_twice_changes_nothing_the_second_time(inmate, connection_):
    connection_block(connection=connection_, actor=as_inmate(inmate))
    connection_block(connection=connection_, actor=as_inmate(inmate))
    assert AuditEvent.objects.filter(action="connection.blocked").count() == 1


def test_a_request_can_be_blocked_and_an_ended_connection_cannot(inmate):
    request = ConnectionFactory(inmate=inmate, status=Connection.Status.REQUESTED)
    connection_block(connection=request, actor=as_inmate(inmate))
    request.refresh_from_db()
    assert request.status == Connection.Status.BLOCKED
    ended = ConnectionFactory(inmate=inmate, status=Connection.Status.ENDED)
    with pytest.raises(ConnectionNotAllowed, match="already ended"):
        connection_block(connection=ended, actor=as_inmate(inmate))


def test_staff_of_the_facility_block_for_the_person_and_nobody_else_can(
    facility, sender, connection_
):
    for stranger in (
        as_sender(sender),
        as_inmate(InmateFactory()),
        as_staff(StaffFactory(facility=FacilityFactory())),
    ):
        with pytest.raises(ConnectionNotAllowed, match="not yours"):
            connection_block(connection=connection_, actor=stranger)
    connection_.refresh_from_db()
    assert connection_.status == Connection.Status.APPROVED
    connection_block(connection=connection_, actor=as_staff(StaffFactory(facility=facility)))
    connection_.refresh_from_db()
    assert connection_.status == Connection.Status.BLOCKED
    assert AuditEvent.objects.get(action="connection.blocked").data["by"] == "staff"


# --- the pages --------------------------------------------------------------------------------


def test_connections_page_lists_open_connections_only(owner, inmate, connection_):
    ConnectionFactory(inmate=inmate, status=Connection.Status.ENDED)
    ConnectionFactory(status=Connection.Status.APPROVED)  # someone else's
    asking = ConnectionFactory(
        inmate=inmate, status=Connection.Status.REQUESTED, sender=UserFactory(first_name="Grace")
    )
    response = owner.get(CONNECTIONS)
    assert response.status_code == 200
    assert [c.pk for c in response.context["connections"]] == [connection_.pk, asking.pk]
    assert response["Cache-Control"].count("no-store") == 1
    html = response.content.decode()
    assert html.count('data-testid="connection-end"') == 1  # a request is answered, not ended
    assert html.count('data-testid="connection-block"') == 2


def test_end_asks_first_then_ends(owner, inmate, connection_):
    page = owner.get(change_url(connection_, "end"))
    assert page.status_code == 200
    assert "Stop photos from" in page.content.decode()
    connection_.refresh_from_db()
    assert connection_.status == Connection.Status.APPROVED  # asking changes nothing
    response = owner.post(change_url(connection_, "end"), follow=True)
    assert response.redirect_chain[-1][0] == CONNECTIONS
    assert "You ended your connection with" in response.content.decode()
    connection_.refresh_from_db()
    assert connection_.status == Connection.Status.ENDED
    assert AuditEvent.objects.get(action="connection.ended").actor_inmate == inmate


def test_block_from_the_kiosk(owner, inmate, connection_):
    response = owner.post(change_url(connection_, "block"), follow=True)
    assert "They cannot ask you again." in response.content.decode()
    connection_.refresh_from_db()
    assert connection_.status == Connection.Status.BLOCKED
    again = owner.post(change_url(connection_, "block"), follow=True)  # a double tap
    assert "already ended" in again.content.decode()
    assert AuditEvent.objects.filter(action="connection.blocked").count() == 1


def test_someone_elses_connection_and_unknown_changes_are_404(owner, inmate, facility):
    theirs = ConnectionFactory(inmate=InmateFactory(facility=facility))
    assert owner.get(change_url(theirs, "block")).status_code == 404
    owner.post(change_url(theirs, "block"))
    theirs.refresh_from_db()
    assert theirs.status == Connection.Status.APPROVED
    mine = ConnectionFactory(inmate=inmate)
    assert owner.get(change_url(mine, "delete")).status_code == 404


def test_nobody_signed_in_goes_to_sign_in(facility, connection_):
    screen = kiosk_screen(connection_.inmate.facility)
    for url in (CONNECTIONS, change_url(connection_, "block")):
        assert screen.get(url)["Location"] == reverse("kiosk:sign_in")
    assert screen.post(change_url(connection_, "block"))["Location"] == reverse("kiosk:sign_in")
    connection_.refresh_from_db()
    assert connection_.status == Connection.Status.APPROVED
