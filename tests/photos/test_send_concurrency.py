"""Concurrent sends from one wallet on PostgreSQL: the wallet lock lets exactly the affordable ones
through, so credits can never be spent twice. The second test removes only that lock and shows the
race it prevents."""

import threading

import pytest
from django.db import connection as db_connection
from tests.actors import as_sender
from tests.factories import ConnectionFactory, give_credits
from tests.photos.photo_helpers import balance_of, image_bytes, stored_files, upload

from kinframe.credits import services as credits_services
from kinframe.credits.models import LedgerEntry, Wallet
from kinframe.credits.services import InsufficientCredits
from kinframe.photos.models import Photo
from kinframe.photos.services import photo_send

THREADS = 20


def send_at_once(sender, connections) -> list[str]:
    """Start THREADS sends of one real JPEG together (barrier), the n-th over ``connections[n]``
    (or all over one connection); return each one's outcome."""
    if not isinstance(connections, list):
        connections = [connections] * THREADS
    jpeg = image_bytes("JPEG", (320, 240))
    barrier = threading.Barrier(THREADS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def send(n: int) -> None:
        try:
            barrier.wait(timeout=30)
            photo_send(
                actor=as_sender(sender), connection=connections[n], upload=upload(f"{n}.jpg", jpeg)
            )
            result = "sent"
        except InsufficientCredits:
            result = "refused"
        except Exception as exc:  # any other error fails the test through the outcome list
            result = f"error: {exc!r}"
        finally:
            db_connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=send, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return sorted(outcomes)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_sends_to_twenty_people_from_500_credits_make_exactly_five_photos(
    on_postgres,
):
    """The wallet lock alone, with no connection row shared between the sends."""
    first = ConnectionFactory()
    sender = first.sender
    connections = [first] + [ConnectionFactory(sender=sender) for _ in range(THREADS - 1)]
    give_credits(sender, 500)
    assert send_at_once(sender, connections) == ["refused"] * 15 + ["sent"] * 5
    assert balance_of(sender) == 0
    assert Photo.objects.count() == 5


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_sends_from_500_credits_make_exactly_five_photos(
    on_postgres, private_storage
):
    connection = ConnectionFactory()
    sender = connection.sender
    give_credits(sender, 500)

    assert send_at_once(sender, connection) == ["refused"] * 15 + ["sent"] * 5
    # Exactly five, not "at least five": see the test below for what happens without the lock.
    assert Photo.objects.count() == 5
    assert LedgerEntry.objects.filter(kind=LedgerEntry.Kind.PHOTO_CHARGE).count() == 5
    assert balance_of(sender) == 0
    assert set(Photo.objects.values_list("status", flat=True)) == {Photo.Status.PENDING_REVIEW}
    # The refused sends left no files behind: 5 photos x (display + thumbnail).
    assert len(stored_files(private_storage)) == 10


class _UnlockedWallets:
    """``Wallet.objects`` without ``select_for_update``; every send reads before any writes."""

    def __init__(self, readers: int):
        self.all_have_read = threading.Barrier(readers)

    def get_or_create(self, **kwargs):
        return Wallet.objects.get_or_create(**kwargs)

    def select_for_update(self, **kwargs):
        return self

    def get(self, **kwargs):
        wallet = Wallet.objects.get(**kwargs)
        self.all_have_read.wait(timeout=30)
        return wallet


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_without_the_wallet_lock_the_same_credits_are_spent_many_times(on_postgres, monkeypatch):
    # Twenty different people, so nothing but the wallet stands between the sends (one connection
    # would make them queue on its row: see _check_connection).
    first = ConnectionFactory()
    sender = first.sender
    connections = [first] + [ConnectionFactory(sender=sender) for _ in range(THREADS - 1)]
    give_credits(sender, 500)

    class UnlockedWallet:
        objects = _UnlockedWallets(THREADS)

    monkeypatch.setattr(credits_services, "Wallet", UnlockedWallet)
    outcomes = send_at_once(sender, connections)

    # Every send saw 500 credits, so all twenty went through and paid for one photo between them.
    assert outcomes == ["sent"] * THREADS
    assert Photo.objects.count() == THREADS
    assert balance_of(sender) == 400
