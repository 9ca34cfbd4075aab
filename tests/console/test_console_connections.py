"""Staff answering connection requests on a person's behalf."""

from __future__ import annotations

import pytest
from django.urls import reverse
from tests.factories import ConnectionFactory, InmateFactory

from kinframe.audit.models import AuditEvent
from kinframe.connections.models import Connection

pytestmark = pytest.mark.django_db


@pytest.fixture
def request_(inmate):
    return ConnectionFactory(inmate=inmate, status=Connection.Status.REQUESTED)


def test_the_list_shows_requests_waiting_here_and_nowhere_else(
    client, reviewer, request_, other_facility, connection_
):
    elsewhere = ConnectionFactory(
        inmate=InmateFactory(facility=other_facility), status=Connection.Status.REQUESTED
    )
    client.force_login(reviewer)
    html = client.get(reverse("console:connections", args=[request_.inmate.facility.code]))
    html = html.content.decode()
    assert html.count('data-testid="connection-row"') == 1  # not the approved one either
    assert request_.sender.username in html
    assert elsewhere.sender.username not in html


def test_staff_approve_on_the_persons_behalf(
    client, reviewer, request_, django_capture_on_commit_callbacks
):
    client.force_login(reviewer)
    url = reverse("console:connection_approve", args=[request_.inmate.facility.code, request_.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, follow=True)
    assert "Approved" in response.content.decode()
    request_.refresh_from_db()
    assert request_.status == Connection.Status.APPROVED
    event = AuditEvent.objects.get(action="connection.approved")
    assert (event.actor_user, event.actor_kind) == (reviewer, "staff")


def test_answering_twice_says_it_was_already_answered(client, reviewer, request_):
    client.force_login(reviewer)
    code = request_.inmate.facility.code
    client.post(reverse("console:connection_decline", args=[code, request_.pk]))
    response = client.post(
        reverse("console:connection_approve", args=[code, request_.pk]), follow=True
    )
    assert "already answered" in response.content.decode()
    request_.refresh_from_db()
    assert request_.status == Connection.Status.DECLINED


def test_a_request_to_someone_held_elsewhere_is_404(client, reviewer, facility, other_facility):
    elsewhere = ConnectionFactory(
        inmate=InmateFactory(facility=other_facility), status=Connection.Status.REQUESTED
    )
    client.force_login(reviewer)
    url = reverse("console:connection_approve", args=[facility.code, elsewhere.pk])
    assert client.post(url).status_code == 404
    elsewhere.refresh_from_db()
    assert elsewhere.status == Connection.Status.REQUESTED


@pytest.mark.parametrize("count", [2, 10])
def test_connections_query_count_does_not_grow(
    client, reviewer, facility, django_assert_num_queries, count
):
    for _ in range(count):
        ConnectionFactory(
            inmate=InmateFactory(facility=facility), status=Connection.Status.REQUESTED
        )
    client.force_login(reviewer)
    with django_assert_num_queries(5):
        response = client.get(reverse("console:connections", args=[facility.code]))
    assert response.content.decode().count('data-testid="connection-row"') == count
