"""A block arriving while a send is half-way through, on PostgreSQL with real threads.

The send has passed its checks and charged the photo but not committed. Without the block's lock
on the sender's connections, the block commits first, cannot see the photo, and the photo is
delivered and kept charged despite the block. With it, the block waits for the send and refunds.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection as db_connection

from kinframe.facilities.models import StaffMembership
from kinframe.photos import sending as photo_services
from kinframe.photos.models import Photo
from kinframe.restrictions import services as restriction_services
from tests.actors import as_sender, as_staff
from tests.factories import (
    ConnectionFactory,
    FacilityFactory,
    InmateFactory,
    StaffFactory,
    UserFactory,
    give_credits,
)
from tests.photos.photo_helpers import balance_of, jpeg_upload


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("with_lock", [True, False], ids=["with the lock", "without it"])
def test_a_block_during_a_send_refunds_the_photo(on_postgres, monkeypatch, with_lock):
    facility = FacilityFactory()
    admin = StaffFactory(facility=facility, facility__role=StaffMembership.Role.ADMIN)
    sender = UserFactory()
    connection = ConnectionFactory(sender=sender, inmate=InmateFactory(facility=facility))
    give_credits(sender, 500)
    if not with_lock:
        monkeypatch.setattr(restriction_services, "_lock_connections", lambda *args: None)

    charged, go_on = threading.Event(), threading.Event()
    real_charge = photo_services.credits_charge_photo

    def charge_then_wait(*, photo):
        entry = real_charge(photo=photo)
        charged.set()
        go_on.wait(timeout=20)
        return entry

    monkeypatch.setattr(photo_services, "credits_charge_photo", charge_then_wait)
    errors: list[BaseException] = []

    def in_thread(call):
        def run():
            try:
                call()
            except BaseException as exc:  # reported below
                errors.append(exc)
            finally:
                db_connection.close()

        return threading.Thread(target=run)

    send = in_thread(
        lambda: photo_services.photo_send(
            actor=as_sender(sender), connection=connection, upload=jpeg_upload()
        )
    )
    block = in_thread(
        lambda: restriction_services.block_create(
            actor=as_staff(admin, facility),
            facility=facility,
            sender=sender,
            scope="facility",
            reason="no contact",
        )
    )
    send.start()
    assert charged.wait(timeout=20)
    block.start()
    block.join(timeout=1.5)
    assert block.is_alive() is with_lock  # with the lock, the block waits for the send
    go_on.set()
    send.join(timeout=30)
    block.join(timeout=30)
    assert not errors

    photo = Photo.objects.get()
    if with_lock:
        assert photo.status == Photo.Status.UNDELIVERABLE
        assert balance_of(sender) == 500
    else:  # the race the lock closes: charged and on its way to review, despite the block
        assert photo.status != Photo.Status.UNDELIVERABLE
        assert balance_of(sender) == 500 - photo.price
