"""The console shows flags beside the earlier decision, filters by flag, and hosts appeals."""

from __future__ import annotations

import pytest
from django.urls import reverse
from tests.actors import as_sender, as_staff
from tests.factories import PhotoFactory, StaffFactory

from kinframe.credits.selectors import balance_of
from kinframe.facilities.models import RejectionReason, StaffMembership
from kinframe.photos.appeals import appeal_create
from kinframe.photos.models import Appeal, Photo, PhotoFlag
from kinframe.photos.services import photo_reject

pytestmark = pytest.mark.django_db


@pytest.fixture
def earlier(connection_, reviewer):
    photo = PhotoFactory(connection=connection_, credits=500)
    reason = RejectionReason.objects.get(facility=photo.facility, code="policy")
    return photo_reject(photo=photo, actor=as_staff(reviewer), reason=reason)


@pytest.fixture
def flagged(connection_, earlier):
    photo = PhotoFactory(connection=connection_, charged=True)
    PhotoFlag.objects.create(
        photo=photo,
        facility=photo.facility,
        kind="near_duplicate",
        matched_photo=earlier,
        distance=3,
    )
    return photo


def test_detail_shows_the_near_duplicate_beside_its_decision_reason_and_reviewer(
    client, reviewer, flagged, earlier
):
    other = StaffFactory(facility=flagged.facility)
    client.force_login(other)
    page = client.get(
        reverse("console:photo_detail", args=[flagged.facility.code, flagged.public_id])
    )
    html = page.content.decode()
    assert 'data-flag-kind="near_duplicate"' in html
    assert f'data-testid="flag-earlier-reviewer">{reviewer.get_username()}<' in html
    assert 'data-testid="flag-earlier-reason">Against policy<' in html
    assert str(earlier.public_id) in html  # links to, and shows, the earlier photo


def test_history_and_queue_filter_by_flag(client, reviewer, flagged, connection_):
    plain = PhotoFactory(connection=connection_, charged=True)
    client.force_login(reviewer)
    code = flagged.facility.code
    for url in (
        reverse("console:photos", args=[code]),
        reverse("console:review_queue", args=[code]),
    ):
        html = client.get(url, {"flag": "near_duplicate"}).content.decode()
        assert str(flagged.public_id) in html
        assert str(plain.public_id) not in html
        everything = client.get(url).content.decode()
        assert str(plain.public_id) in everything
    assert (
        client.get(reverse("console:review_queue", args=[code]), {"flag": "<x>"}).status_code == 200
    )


def test_an_appeal_is_decided_on_the_page_by_another_reviewer_only(
    client, sender, reviewer, earlier
):
    appeal = appeal_create(actor=as_sender(sender), photo=earlier, note="It is a family photo")
    url = reverse("console:appeal_decide", args=[earlier.facility.code, appeal.pk])

    client.force_login(reviewer)  # made the first decision
    listing = client.get(reverse("console:appeals", args=[earlier.facility.code])).content.decode()
    assert "It is a family photo" in listing
    assert 'data-testid="appeal-not-yours"' in listing
    client.post(url, {"decision": "grant"})
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.PENDING

    second = StaffFactory(facility=earlier.facility)
    client.force_login(second)
    assert client.post(url, {"decision": "maybe"}).status_code == 400
    client.post(url, {"decision": "uphold", "note": "Same photo"})
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.UPHELD
    assert appeal.decided_by == second
    assert balance_of(sender) == 500  # charged 100, refunded 100 on rejection, +-100 appeal


def test_only_a_facility_admin_reverses_and_must_say_why(client, reviewer, earlier, facility):
    url = reverse("console:photo_reverse", args=[facility.code, earlier.public_id])
    client.force_login(reviewer)
    assert client.post(url, {"why": "oops"}).status_code == 404
    admin = StaffFactory(facility=facility, facility__role=StaffMembership.Role.ADMIN)
    client.force_login(admin)
    client.post(url, {"why": ""})
    earlier.refresh_from_db()
    assert earlier.status == Photo.Status.REJECTED
    client.post(url, {"why": "Clicked the wrong photo"})
    earlier.refresh_from_db()
    assert earlier.status == Photo.Status.APPROVED


def test_the_review_card_shows_the_flags(client, reviewer, flagged):
    client.force_login(reviewer)
    html = client.get(reverse("console:review", args=[flagged.facility.code])).content.decode()
    card = html.split(f'data-photo-id="{flagged.public_id}"')[1]
    assert 'data-testid="review-flag"' in card.split("review-actions")[0]
