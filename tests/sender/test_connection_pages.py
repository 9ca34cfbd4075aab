"""The sender's side: finding someone, asking to connect, the list of connections."""

import pytest
from django.urls import reverse
from tests.factories import ConnectionFactory, FacilityFactory, InmateFactory, UserFactory

from kinframe.connections.models import Connection
from kinframe.facilities.models import Inmate

pytestmark = pytest.mark.django_db

SEARCH = reverse("sender:search")
CONNECTIONS = reverse("sender:connections")
REQUEST = reverse("sender:connection_request")


@pytest.fixture
def browser(client, sender):
    client.force_login(sender)
    return client


@pytest.fixture
def person(facility):
    return InmateFactory(facility=facility, first_name="Marcus", last_name="Hill", number="A1001")


def search(client, facility, q):
    return client.get(SEARCH, {"facility": facility.pk, "q": q})


def names(response) -> list[str]:
    return [p.full_name for p in response.context["results"] or []]


# --- who may see the pages ------------------------------------------------------------------------


@pytest.mark.parametrize("url", [SEARCH, CONNECTIONS])
def test_anonymous_goes_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("url", [SEARCH, CONNECTIONS])
def test_unverified_sender_is_sent_to_verify(client, url):
    client.force_login(UserFactory(verified=False))
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email")


def test_unverified_sender_cannot_request(client, person):
    client.force_login(UserFactory(verified=False))
    response = client.post(REQUEST, {"inmate": person.pk})
    assert response.status_code == 302
    assert not Connection.objects.exists()


# --- search ---------------------------------------------------------------------------------------


def test_search_finds_by_name_words_or_exact_number(browser, facility, person):
    InmateFactory(facility=facility, first_name="Dana", last_name="Ortiz")
    assert names(search(browser, facility, "marc")) == ["Marcus Hill"]
    assert names(search(browser, facility, "ma hi")) == ["Marcus Hill"]
    assert names(search(browser, facility, "a1001")) == ["Marcus Hill"]
    assert names(search(browser, facility, "A100")) == []  # a number must be exact


def test_search_shows_nothing_before_a_real_query(browser, facility, person):
    page = browser.get(SEARCH)
    assert page.status_code == 200
    assert page.context["results"] is None
    short = search(browser, facility, "M")
    assert short.context["results"] == []
    assert "at least 2" in short.content.decode()
    assert search(browser, facility, "").context["results"] is None


def test_a_one_character_exact_number_is_found(browser, facility):
    InmateFactory(facility=facility, number="7", first_name="Seven", last_name="Jones")
    assert names(search(browser, facility, "7")) == ["Seven Jones"]


def test_search_never_lists_more_than_twenty(browser, facility):
    InmateFactory.create_batch(25, facility=facility, last_name="Smith")
    response = search(browser, facility, "smith")
    assert len(response.context["results"]) == 20
    assert "first 20 matches" in response.content.decode()


def test_search_leaves_out_released_people_and_other_facilities(browser, facility, person):
    InmateFactory(facility=facility, first_name="Marcy", status=Inmate.Status.RELEASED)
    InmateFactory(facility=FacilityFactory(), first_name="Marco")
    assert names(search(browser, facility, "mar")) == ["Marcus Hill"]


def test_facilities_with_photos_off_cannot_be_searched(browser, facility):
    closed = FacilityFactory(name="Closed Jail", photos_enabled=False)
    InmateFactory(facility=closed, first_name="Hidden")
    page = browser.get(SEARCH)
    assert "Closed Jail" not in page.content.decode()
    response = search(browser, closed, "hidden")
    assert response.status_code == 400
    assert response.context["results"] is None


def test_search_shows_the_senders_connection_status(browser, sender, facility, person):
    ConnectionFactory(sender=sender, inmate=person, status=Connection.Status.REQUESTED)
    ConnectionFactory(inmate=person, status=Connection.Status.APPROVED)  # someone else's
    response = search(browser, facility, "hill")
    assert response.context["results"][0].connection_status == "requested"
    body = response.content.decode()
    assert 'data-testid="connection-status">Request sent' in body
    assert 'data-testid="request-connection"' not in body


def test_search_results_take_a_fixed_number_of_queries(
    browser, facility, django_assert_num_queries
):
    for person in InmateFactory.create_batch(5, facility=facility, last_name="Smith"):
        ConnectionFactory(inmate=person, status=Connection.Status.APPROVED)
    # session, user, verified email, facility (form), facilities (select), people, and the
    # sender's blocks and the people's suspensions (one query each, whatever the number of people)
    with django_assert_num_queries(8):
        response = search(browser, facility, "smith")
    assert len(response.context["results"]) == 5


# --- requesting -----------------------------------------------------------------------------------


def test_request_connection_from_the_search(browser, sender, facility, person):
    response = browser.post(
        REQUEST,
        {"inmate": person.pk, "relationship": "mother", "facility": facility.pk, "q": "hill"},
    )
    assert response.status_code == 302
    assert response["Location"] == CONNECTIONS
    connection = Connection.objects.get(sender=sender, inmate=person)
    assert (connection.status, connection.relationship) == ("requested", "mother")
    page = browser.get(CONNECTIONS)
    assert "Request sent to Marcus Hill" in page.content.decode()


def test_duplicate_request_is_refused_with_a_message(browser, sender, facility, person):
    ConnectionFactory(sender=sender, inmate=person, status=Connection.Status.REQUESTED)
    response = browser.post(REQUEST, {"inmate": person.pk, "facility": facility.pk, "q": "hill"})
    assert response.status_code == 409
    assert "already asked Marcus Hill" in response.content.decode()
    assert names(response) == ["Marcus Hill"]  # the same search again
    assert Connection.objects.filter(sender=sender, inmate=person).count() == 1


def test_request_for_a_released_person_is_refused(browser, person):
    Inmate.objects.filter(pk=person.pk).update(status=Inmate.Status.RELEASED)
    response = browser.post(REQUEST, {"inmate": person.pk})
    assert response.status_code == 409
    assert "no longer held" in response.content.decode()
    assert not Connection.objects.exists()


@pytest.mark.parametrize("data", [{}, {"inmate": "abc"}, {"inmate": 1, "relationship": "x" * 61}])
def test_bad_request_input_is_a_400(browser, data):
    response = browser.post(REQUEST, data)
    assert response.status_code == 400
    assert not Connection.objects.exists()


def test_request_for_nobody_is_a_404(browser):
    response = browser.post(REQUEST, {"inmate": 999999})
    assert response.status_code == 404


def test_request_needs_post(browser):
    assert browser.get(REQUEST).status_code == 405


# --- the list -------------------------------------------------------------------------------------


def test_connections_list_shows_status_and_send_link(browser, sender, facility, connection_):
    ConnectionFactory(sender=sender, inmate=InmateFactory(facility=facility), status="requested")
    ConnectionFactory(inmate=InmateFactory(facility=facility, first_name="Zed"))  # someone else's
    response = browser.get(CONNECTIONS)
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count('data-testid="connection-status"') == 2
    assert "Zed" not in body
    assert reverse("sender:photo_send", kwargs={"connection_id": connection_.pk}) in body
    assert body.count('data-testid="send-photos"') == 1


def test_outsider_sees_none_of_the_senders_connections(client, outsider, connection_):
    client.force_login(outsider)
    response = client.get(CONNECTIONS)
    assert response.status_code == 200
    assert 'data-testid="connection-status"' not in response.content.decode()


def test_connections_list_takes_a_fixed_number_of_queries(
    browser, sender, facility, django_assert_num_queries
):
    for status in ["requested", "approved", "declined", "ended"]:
        ConnectionFactory(sender=sender, inmate=InmateFactory(facility=facility), status=status)
    # session, user, verified email, connections with people and facilities
    with django_assert_num_queries(4):
        response = browser.get(CONNECTIONS)
    assert response.content.decode().count('data-testid="connection-status"') == 4


# --- ending ---------------------------------------------------------------------------------------


def test_sender_ends_a_connection(browser, connection_):
    url = reverse("sender:connection_end", kwargs={"connection_id": connection_.pk})
    response = browser.post(url, follow=True)
    assert "no longer connected" in response.content.decode()
    connection_.refresh_from_db()
    assert connection_.status == Connection.Status.ENDED


def test_ending_someone_elses_connection_is_a_404(client, outsider, connection_):
    client.force_login(outsider)
    url = reverse("sender:connection_end", kwargs={"connection_id": connection_.pk})
    assert client.post(url).status_code == 404
    connection_.refresh_from_db()
    assert connection_.status == Connection.Status.APPROVED


def test_anonymous_cannot_end_a_connection(client, connection_):
    url = reverse("sender:connection_end", kwargs={"connection_id": connection_.pk})
    assert client.post(url).status_code == 302
    connection_.refresh_from_db()
    assert connection_.status == Connection.Status.APPROVED


def test_search_links_a_connected_person_to_sending(browser, facility, person, sender):
    connection = ConnectionFactory(sender=sender, inmate=person)
    body = search(browser, facility, "hill").content.decode()
    assert reverse("sender:photo_send", kwargs={"connection_id": connection.pk}) in body
    assert 'data-testid="request-connection"' not in body
