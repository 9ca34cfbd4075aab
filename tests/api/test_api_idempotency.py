"""``Idempotency-Key``: a retried write gets the first answer and never acts twice."""

import threading

import pytest
from django.db import connection as db_connection
from django.test import Client
from tests.api.helpers import Feed
from tests.factories import ConnectionFactory, InmateFactory, PhotoFactory

from kinframe.api.models import IdempotencyRecord
from kinframe.audit.models import AuditEvent
from kinframe.credits.selectors import balance_of
from kinframe.facilities.models import Inmate

pytestmark = pytest.mark.django_db


def test_the_same_key_twice_books_once_and_replays_the_answer(feed, jail):
    first = feed.book("A100", jail, key="booking-1")
    again = feed.book("A100", jail, key="booking-1")

    assert first.status_code == again.status_code == 201
    assert again.content == first.content
    assert again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert Inmate.objects.count() == 1
    assert AuditEvent.objects.filter(action="inmate.booked").count() == 1
    record = IdempotencyRecord.objects.get()
    assert (record.method, record.path, record.response_status) == (
        "PUT",
        "/api/v1/inmates/A100",
        201,
    )


def test_a_replayed_release_refunds_once(feed, jail):
    connection = ConnectionFactory(inmate=InmateFactory(facility=jail, number="A100"))
    PhotoFactory(connection=connection, credits=100)
    assert balance_of(connection.sender) == 0

    first = feed.release("A100", key="release-1")
    feed.book("A100", jail)  # readmitted meanwhile, without a key
    again = feed.release("A100", key="release-1")

    assert again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json() == {**again.json(), "status": "released"}
    assert Inmate.objects.get().status == Inmate.Status.ACTIVE  # the replay did not act
    assert AuditEvent.objects.filter(action="inmate.released", actor_kind="api_client").count() == 1
    assert balance_of(connection.sender) == 100


def test_the_same_key_on_a_different_request_is_422(feed, jail, annex):
    feed.book("A100", jail, key="k")
    for response in (
        feed.book("A100", annex, key="k"),  # different body
        feed.book("A200", jail, key="k"),  # different path
        feed.release("A100", key="k"),  # different method
    ):
        assert response.status_code == 422
        assert "already used for PUT /api/v1/inmates/A100" in response.json()["detail"]
    inmate = Inmate.objects.get()
    assert inmate.facility == jail
    assert inmate.status == Inmate.Status.ACTIVE


def test_without_a_key_each_request_acts(feed, jail):
    assert feed.book("A100", jail).status_code == 201
    response = feed.book("A100", jail)
    assert response.status_code == 200
    assert "Idempotent-Replayed" not in response
    assert not IdempotencyRecord.objects.exists()


def test_a_refused_write_keeps_no_key_so_a_corrected_retry_acts(feed, jail):
    assert (
        feed.put(
            "A100", {"facility": "nowhere", "first_name": "A", "last_name": "B"}, key="k"
        ).status_code
        == 404
    )
    assert not IdempotencyRecord.objects.exists()
    assert feed.book("A100", jail, key="k").status_code == 201


def test_keys_belong_to_one_client(feed, other_feed, jail):
    assert feed.book("A100", jail, key="shared").status_code == 201
    response = other_feed.put(
        "A100", {"facility": "b-jail", "first_name": "G", "last_name": "H"}, key="shared"
    )
    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response
    assert Inmate.objects.count() == 2


def test_a_key_still_in_progress_is_409(feed, feed_client, jail):
    IdempotencyRecord.objects.create(
        client=feed_client[0],
        key="k",
        method="POST",
        path="/api/v1/inmates/A100/release",
        body_sha256="e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    )
    InmateFactory(facility=jail, number="A100")
    response = feed.release("A100", key="k")
    assert response.status_code == 409
    assert "in progress" in response.json()["detail"]
    assert Inmate.objects.get().status == Inmate.Status.ACTIVE


@pytest.mark.parametrize("key", ["", "k" * 256])
def test_an_empty_or_overlong_key_is_422(feed, jail, key):
    response = feed.book("A100", jail, key=key)
    assert response.status_code == 422
    assert not Inmate.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_identical_requests_at_once_book_one_person(on_postgres, feed_client, jail):
    """Both requests insert the key; the second waits on the unique index until the first commits,
    then replays its answer."""
    token = feed_client[1]
    barrier = threading.Barrier(2)
    responses = []

    def send():
        try:
            barrier.wait()
            responses.append(Feed(Client(), token).book("A100", jail, key="same"))
        finally:
            db_connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(r.status_code for r in responses) == [201, 201]
    assert sorted(r.get("Idempotent-Replayed", "") for r in responses) == ["", "true"]
    assert Inmate.objects.count() == 1
    assert AuditEvent.objects.filter(action="inmate.booked").count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_bookings_of_one_number_at_once_without_a_key(on_postgres, feed_client, jail, annex):
    """The number's unique constraint decides; the loser updates instead of failing with a 500."""
    token = feed_client[1]
    barrier = threading.Barrier(2)
    responses = []

    def send(facility):
        try:
            barrier.wait()
            responses.append(Feed(Client(), token).book("A100", facility))
        finally:
            db_connection.close()

    threads = [threading.Thread(target=send, args=(f,)) for f in (jail, jail)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(r.status_code for r in responses) == [200, 201]
    assert Inmate.objects.count() == 1
