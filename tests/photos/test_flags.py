"""Consistency flags computed at intake: near-duplicates of decided photos, QR codes, text."""

import pytest
from tests.factories import ConnectionFactory, UserFactory, give_credits
from tests.photos.flag_helpers import (
    other_photo,
    qr_photo,
    real_photo,
    reject,
    resent_copy,
    send_processed,
    text_page,
)

from kinframe.audit.models import AuditEvent
from kinframe.photos.flags import near_duplicates, photo_flags_compute
from kinframe.photos.models import Photo, PhotoFlag

pytestmark = pytest.mark.django_db


def kinds(photo) -> set[str]:
    return set(photo.flags.values_list("kind", flat=True))


def test_resized_recompressed_copy_of_a_rejected_photo_is_flagged_with_that_decision(
    sender, connection_, reviewer
):
    give_credits(sender, 1000)
    first = send_processed(sender, connection_, real_photo())
    assert kinds(first) == set()
    reject(first, reviewer)

    # Another sender to the same facility resends it, smaller and recompressed.
    other = ConnectionFactory(sender=UserFactory(), inmate=connection_.inmate)
    give_credits(other.sender, 500)
    copy = send_processed(other.sender, other, resent_copy(real_photo()), "again.jpg")

    assert copy.status == Photo.Status.PENDING_REVIEW
    flag = copy.flags.get(kind=PhotoFlag.Kind.NEAR_DUPLICATE)
    assert flag.matched_photo == first
    assert flag.distance <= 5
    assert flag.matched_photo.status == Photo.Status.REJECTED
    assert flag.matched_photo.rejection_reason.code == "policy"
    assert flag.matched_photo.reviewed_by == reviewer
    assert AuditEvent.objects.filter(action="photo.flagged").count() == 1


def test_a_different_photo_and_an_undecided_copy_are_not_flagged(sender, connection_):
    give_credits(sender, 1000)
    first = send_processed(sender, connection_, real_photo())
    pending_copy = send_processed(sender, connection_, resent_copy(real_photo()))
    different = send_processed(sender, connection_, other_photo())
    assert first.status == Photo.Status.PENDING_REVIEW  # not decided yet: nothing to compare with
    assert kinds(pending_copy) == set()
    assert kinds(different) == set()


def test_the_lookup_stays_within_the_facility(sender, connection_, reviewer):
    give_credits(sender, 1000)
    first = send_processed(sender, connection_, real_photo())
    reject(first, reviewer)
    elsewhere = ConnectionFactory(sender=sender)  # someone at another facility
    copy = send_processed(sender, elsewhere, resent_copy(real_photo()))
    assert copy.facility_id != first.facility_id
    assert kinds(copy) == set()
    assert near_duplicates(facility_id=first.facility_id, phash=copy.phash) == [
        (first.pk, near_duplicates(facility_id=first.facility_id, phash=copy.phash)[0][1])
    ]


def test_a_qr_code_is_flagged_with_what_it_says(sender, connection_):
    give_credits(sender, 1000)
    plain = send_processed(sender, connection_, qr_photo("https://example.org/pay"), "qr.png")
    pasted = send_processed(sender, connection_, qr_photo(border_photo=True), "qr-on-photo.png")

    flag = plain.flags.get(kind=PhotoFlag.Kind.CODE)
    assert "QR" in flag.detail
    assert "https://example.org/pay" in flag.detail
    assert PhotoFlag.Kind.CODE in kinds(pasted)


def test_a_page_of_text_is_flagged_and_a_photo_is_not(sender, connection_):
    give_credits(sender, 1000)
    page = send_processed(sender, connection_, text_page(), "letter.jpg")
    photo = send_processed(sender, connection_, real_photo())
    assert PhotoFlag.Kind.TEXT in kinds(page)
    assert PhotoFlag.Kind.TEXT not in kinds(photo)


def test_computing_again_adds_nothing_and_a_broken_file_does_not_stop_review(
    sender, connection_, reviewer
):
    give_credits(sender, 1000)
    qr = send_processed(sender, connection_, qr_photo(), "qr.png")
    assert photo_flags_compute(photo=qr) == []
    assert qr.flags.filter(kind=PhotoFlag.Kind.CODE).count() == 1

    qr.image.name = "photos/missing-file"
    assert photo_flags_compute(photo=qr) == []  # logged, not raised
    assert qr.flags.filter(kind=PhotoFlag.Kind.CODE).count() == 1
