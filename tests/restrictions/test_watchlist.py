"""Watch lists: a match flags the photo for review and emails the facility's investigators, and
blocks nothing."""

from __future__ import annotations

import pytest
from django.core import mail

from kinframe.facilities.models import StaffMembership
from kinframe.photos.models import Photo
from kinframe.photos.services import photo_send
from kinframe.restrictions.models import WatchlistEntry, WatchlistMatch
from kinframe.restrictions.services import (
    RestrictionError,
    watchlist_entry_add,
    watchlist_entry_remove,
)
from tests.actors import as_sender, as_staff
from tests.factories import (
    ConnectionFactory,
    FacilityFactory,
    InmateFactory,
    PhotoFactory,
    StaffFactory,
    give_credits,
)
from tests.photos.photo_helpers import balance_of, jpeg_upload

Role = StaffMembership.Role


@pytest.fixture
def admin(facility):
    return StaffFactory(facility=facility, facility__role=Role.ADMIN)


@pytest.fixture
def investigator(facility):
    return StaffFactory(
        facility=facility, facility__role=Role.INVESTIGATOR, email="inv@example.org"
    )


def send(sender, connection, django_capture_on_commit_callbacks):
    give_credits(sender, 500)
    with django_capture_on_commit_callbacks(execute=True):
        return photo_send(actor=as_sender(sender), connection=connection, upload=jpeg_upload())


def test_a_match_flags_the_photo_and_notifies_the_investigators(
    admin,
    investigator,
    reviewer,
    facility,
    sender,
    connection_,
    django_capture_on_commit_callbacks,
    client,
):
    sender.email = "Watched@Example.org"
    sender.save()
    entry = watchlist_entry_add(
        actor=as_staff(admin), facility=facility, email="watched@example.org"
    )
    mail.outbox.clear()

    photo = send(sender, connection_, django_capture_on_commit_callbacks)

    match = WatchlistMatch.objects.get(photo=photo)
    assert (match.entry, match.matched_on) == (entry, "email")
    photo.refresh_from_db()
    assert photo.status in (Photo.Status.RECEIVED, Photo.Status.PENDING_REVIEW)  # not blocked
    assert balance_of(sender) == 500 - photo.price
    to = [message.to for message in mail.outbox]
    assert to == [["inv@example.org"]]  # the investigator, not the reviewer
    assert str(photo.public_id) in mail.outbox[0].body

    client.force_login(investigator)
    page = client.get(f"/console/{facility.code}/photos/{photo.public_id}/")
    assert page.status_code == 200
    assert b'data-testid="watchlist-flag"' in page.content


@pytest.mark.parametrize("field", ["name", "phone", "person"])
def test_entries_match_on_name_phone_or_the_person(
    field, admin, facility, sender, connection_, django_capture_on_commit_callbacks
):
    sender.first_name, sender.last_name, sender.phone = "Dana", "Reyes", "+15555550123"
    sender.save()
    values = {
        "name": {"name": "  dana   REYES "},
        "phone": {"phone": "+15555550123"},
        "person": {"inmate": connection_.inmate},
    }[field]
    watchlist_entry_add(actor=as_staff(admin), facility=facility, **values)
    photo = send(sender, connection_, django_capture_on_commit_callbacks)
    assert list(
        WatchlistMatch.objects.filter(photo=photo).values_list("matched_on", flat=True)
    ) == [field]


def test_another_agencys_list_and_a_removed_entry_match_nothing(
    admin, facility, sender, connection_, django_capture_on_commit_callbacks
):
    elsewhere = FacilityFactory()
    their_admin = StaffFactory(facility=elsewhere, facility__role=Role.ADMIN)
    watchlist_entry_add(actor=as_staff(their_admin), facility=elsewhere, email=sender.email)
    removed = watchlist_entry_add(actor=as_staff(admin), facility=facility, email=sender.email)
    watchlist_entry_remove(actor=as_staff(admin), facility=facility, entry=removed)
    photo = send(sender, connection_, django_capture_on_commit_callbacks)
    assert not WatchlistMatch.objects.filter(photo=photo).exists()


def test_an_entry_names_someone_in_this_agency(admin, facility):
    with pytest.raises(RestrictionError):
        watchlist_entry_add(actor=as_staff(admin), facility=facility, name=" ")
    with pytest.raises(RestrictionError):
        watchlist_entry_add(actor=as_staff(admin), facility=facility, inmate=InmateFactory())


def test_a_sister_facility_shares_the_list(admin, facility, django_capture_on_commit_callbacks):
    sister = FacilityFactory(agency=facility.agency)
    connection = ConnectionFactory(inmate=InmateFactory(facility=sister))
    watchlist_entry_add(actor=as_staff(admin), facility=facility, email=connection.sender.email)
    photo = send(connection.sender, connection, django_capture_on_commit_callbacks)
    assert WatchlistMatch.objects.get(photo=photo).facility == sister


def test_the_review_queue_marks_a_flagged_photo(
    admin, reviewer, facility, sender, connection_, client
):
    flagged, plain = PhotoFactory(connection=connection_), PhotoFactory(connection=connection_)
    entry = WatchlistEntry.objects.create(agency=facility.agency, facility=facility, name="x")
    WatchlistMatch.objects.create(photo=flagged, entry=entry, facility=facility, matched_on="name")
    client.force_login(reviewer)
    page = client.get(f"/console/{facility.code}/review/")
    assert page.content.count(b'data-testid="review-watchlist"') == 1
    assert str(flagged.public_id).encode() in page.content
    assert str(plain.public_id).encode() in page.content  # both are listed; only one is marked
