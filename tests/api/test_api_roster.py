"""Booking, moving, releasing and reading people through the roster feed."""

import pytest
from tests.factories import ConnectionFactory, InmateFactory, PhotoFactory

from kinframe.audit.models import AuditEvent
from kinframe.credits.selectors import balance_of, ledger_problems
from kinframe.facilities.models import Inmate
from kinframe.photos.models import Photo

pytestmark = pytest.mark.django_db


def api_events():
    return list(
        AuditEvent.objects.filter(actor_kind=AuditEvent.ActorKind.API_CLIENT)
        .order_by("id")
        .values_list("action", "data")
    )


def test_book_transfer_and_release_refund_photos_on_their_way(feed, jail, annex):
    response = feed.book("A100", jail)
    assert response.status_code == 201
    assert response.json() == {
        "number": "A100",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "facility": "county-jail",
        "status": "active",
    }
    inmate = Inmate.objects.get(number="A100")
    connection = ConnectionFactory(inmate=inmate)
    at_jail = PhotoFactory(connection=connection, credits=300)
    assert balance_of(connection.sender) == 200

    response = feed.book("A100", annex)  # the roster moves them
    assert response.status_code == 200
    assert response.json()["facility"] == "annex"
    at_jail.refresh_from_db()
    assert at_jail.status == Photo.Status.UNDELIVERABLE
    assert balance_of(connection.sender) == 300

    inmate.refresh_from_db()
    connection.inmate = inmate
    at_annex = PhotoFactory(connection=connection, charged=True)
    assert balance_of(connection.sender) == 200
    response = feed.release("A100")
    assert response.status_code == 200
    assert response.json()["status"] == "released"
    at_annex.refresh_from_db()
    assert at_annex.status == Photo.Status.UNDELIVERABLE
    assert balance_of(connection.sender) == 300
    assert ledger_problems() == []

    # Every change to the person is the client's, named in each event; none is the system's.
    inmate_events = [(a, d) for a, d in api_events() if a.startswith("inmate.")]
    assert [action for action, _ in inmate_events] == [
        "inmate.booked",
        "inmate.transferred",
        "inmate.rebooked",
        "inmate.released",
    ]
    assert all(data["client"] == "JMS feed" for _, data in inmate_events)
    assert not AuditEvent.objects.filter(action__startswith="inmate.", actor_kind="system").exists()


def test_sending_the_same_line_again_changes_nothing(feed, jail):
    assert feed.book("A100", jail).status_code == 201
    response = feed.book("A100", jail)
    assert response.status_code == 200
    assert Inmate.objects.count() == 1
    assert len(api_events()) == 1


def test_a_corrected_name_is_updated_and_audited(feed, jail):
    feed.book("A100", jail, "Ada", "Lovelace")
    response = feed.book("A100", jail, "Augusta Ada", "King")
    assert response.status_code == 200
    assert response.json()["first_name"] == "Augusta Ada"
    assert api_events()[-1] == (
        "inmate.rebooked",
        {
            "client": "JMS feed",
            "first_name": ["Ada", "Augusta Ada"],
            "last_name": ["Lovelace", "King"],
        },
    )


def test_booking_a_released_person_again_readmits_them(feed, jail):
    InmateFactory(facility=jail, number="A100", status=Inmate.Status.RELEASED)
    response = feed.book("A100", jail)
    assert response.status_code == 200
    assert response.json()["status"] == "active"
    assert AuditEvent.objects.filter(action="inmate.readmitted").count() == 1


def test_releasing_twice_is_harmless(feed, jail):
    InmateFactory(facility=jail, number="A100")
    assert feed.release("A100").json()["status"] == "released"
    assert feed.release("A100").status_code == 200
    assert AuditEvent.objects.filter(action="inmate.released").count() == 1
    assert feed.release("NOPE").status_code == 404


def test_reading_one_person(feed, jail):
    InmateFactory(facility=jail, number="A100", first_name="Ada", last_name="Lovelace")
    assert feed.get("inmates/A100").json() == {
        "number": "A100",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "facility": "county-jail",
        "status": "active",
    }
    response = feed.get("inmates/A999")
    assert response.status_code == 404
    assert response.json() == {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "detail": "No inmate numbered 'A999' in your agency.",
    }


def test_the_roster_list_filters_and_pages(feed, jail, annex):
    InmateFactory(facility=jail, number="A1")
    InmateFactory(facility=jail, number="A2", status=Inmate.Status.RELEASED)
    InmateFactory(facility=annex, number="A3")

    def numbers(**params):
        body = feed.get("inmates", **params).json()
        return [i["number"] for i in body["items"]], body["count"]

    assert numbers() == (["A1", "A2", "A3"], 3)
    assert numbers(facility="annex") == (["A3"], 1)
    assert numbers(status="released") == (["A2"], 1)
    assert numbers(facility="county-jail", status="active") == (["A1"], 1)
    assert numbers(page_size=2, page=2) == (["A3"], 3)
    assert numbers(facility="no-such-place") == ([], 0)


def test_a_page_holds_at_most_100(feed, jail):
    Inmate.objects.bulk_create(
        Inmate(agency=jail.agency, facility=jail, number=f"N{n:04d}", first_name="A", last_name="B")
        for n in range(105)
    )
    body = feed.get("inmates", page_size=500).json()
    assert body["count"] == 105
    assert len(body["items"]) == 100
    assert len(feed.get("inmates").json()["items"]) == 50


def test_the_roster_list_takes_the_same_queries_for_any_length(
    feed, jail, annex, django_assert_num_queries
):
    for n in range(6):
        InmateFactory(facility=jail if n % 2 else annex)
    feed.get("facilities")  # the first call of the minute records last_used_at
    with django_assert_num_queries(3):  # the client, the count, the page with its facilities
        assert len(feed.get("inmates").json()["items"]) == 6


def test_the_agencys_facilities(feed, jail, annex):
    assert feed.get("facilities").json() == [
        {"code": "annex", "name": annex.name, "photos_enabled": True, "photo_price": 100},
        {"code": "county-jail", "name": jail.name, "photos_enabled": True, "photo_price": 100},
    ]


GOOD = {"facility": "county-jail", "first_name": "Ada", "last_name": "Lovelace"}


@pytest.mark.parametrize(
    ("number", "body", "field"),
    [
        ("A100", {k: v for k, v in GOOD.items() if k != "last_name"}, "last_name"),
        ("A100", {**GOOD, "first_name": "   "}, "first_name"),
        ("A100", {**GOOD, "first_name": "x" * 101}, "first_name"),
        ("A100", {**GOOD, "facility": 7}, "facility"),
        ("A100", {**GOOD, "middle_name": "B"}, "middle_name"),
        ("N" * 33, GOOD, "number"),
    ],
    ids=["missing", "blank", "too-long", "wrong-type", "unknown-field", "long-number"],
)
def test_invalid_bookings_get_422_naming_the_field(feed, jail, number, body, field):
    response = feed.put(number, body)
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert field in {error["loc"][-1] for error in response.json()["errors"]}
    assert field in response.json()["detail"]
    assert not Inmate.objects.exists()


@pytest.mark.parametrize(
    "raw", ['{"facility": ', "[]", '"text"', "null", "\udcff".encode("utf-8", "surrogatepass")]
)
def test_a_body_that_is_not_a_booking_is_refused_cleanly(feed, jail, raw):
    response = feed.client.put(
        "/api/v1/inmates/A100", raw, content_type="application/json", headers=feed.headers()
    )
    assert response.status_code in (400, 422)
    assert "detail" in response.json()
    assert not Inmate.objects.exists()


@pytest.mark.parametrize(
    "params", [{"status": "escaped"}, {"page": 0}, {"page": "two"}, {"page_size": 0}]
)
def test_bad_list_parameters_get_422(feed, params):
    assert feed.get("inmates", **params).status_code == 422


def test_an_unknown_facility_is_404_with_a_message(feed, jail):
    response = feed.put("A100", {**GOOD, "facility": "nowhere"})
    assert response.status_code == 404
    assert response.json()["detail"] == "No facility with code 'nowhere' in your agency."
