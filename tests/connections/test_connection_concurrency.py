"""Concurrent answers and requests on PostgreSQL: the row lock (and the open-pair constraint behind it)
let exactly one through, so a sender is never emailed twice nor holds two open requests."""

import threading

import pytest
from django.core import mail
from django.db import connection as db_connection
from tests.actors import as_inmate, as_sender
from tests.factories import ConnectionFactory, InmateFactory, UserFactory

from kinframe.connections.models import Connection
from kinframe.connections.services import (
    ConnectionNotAllowed,
    connection_approve,
    connection_decline,
    connection_request,
)

THREADS = 8


def at_once(calls) -> list[str]:
    """Run each call in its own thread, released together; return each one's outcome."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(call) -> None:
        try:
            barrier.wait(timeout=30)
            call()
            result = "done"
        except ConnectionNotAllowed:
            result = "refused"
        except Exception as exc:  # anything else fails the test through the outcome list
            result = f"error: {exc!r}"
        finally:
            db_connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return sorted(outcomes)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_simultaneous_answers_count_once(on_postgres):
    request_ = ConnectionFactory(status=Connection.Status.REQUESTED)
    inmate = request_.inmate
    calls = [
        (lambda: connection_approve(connection=request_.pk, actor=as_inmate(inmate)))
        if n % 2
        else (lambda: connection_decline(connection=request_.pk, actor=as_inmate(inmate)))
        for n in range(THREADS)
    ]
    assert at_once(calls) == ["done"] + ["refused"] * (THREADS - 1)
    assert len(mail.outbox) == 1  # on_commit runs for the one committed answer only


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_simultaneous_requests_make_one_connection(on_postgres):
    sender, inmate = UserFactory(), InmateFactory()
    calls = [
        lambda: connection_request(actor=as_sender(sender), inmate=inmate) for _ in range(THREADS)
    ]
    assert at_once(calls) == ["done"] + ["refused"] * (THREADS - 1)
    assert Connection.objects.filter(sender=sender, inmate=inmate).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_without_the_row_lock_every_answer_gets_through(on_postgres, monkeypatch):
    """What the lock prevents: every thread reads 'requested' before any writes its own answer."""
    from kinframe.connections import services

    all_have_read = threading.Barrier(THREADS)

    def unlocked(connection):
        row = Connection.objects.select_related("inmate__facility", "sender").get(pk=connection)
        all_have_read.wait(timeout=30)
        return row

    monkeypatch.setattr(services, "_locked", unlocked)
    request_ = ConnectionFactory(status=Connection.Status.REQUESTED)
    inmate = request_.inmate
    calls = [lambda: connection_approve(connection=request_.pk, actor=as_inmate(inmate))] * THREADS
    assert at_once(calls) == ["done"] * THREADS
    assert len(mail.outbox) == THREADS  # the sender would have been told eight times
