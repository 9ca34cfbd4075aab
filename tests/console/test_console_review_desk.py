"""The one-at-a-time review page, its live counts and holds, decisions under a hold, and undo."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from tests.actors import as_sender, as_staff
from tests.factories import ConnectionFactory, InmateFactory, PhotoFactory, StaffFactory

from kinframe.connections.models import Connection
from kinframe.credits.selectors import balance_of
from kinframe.facilities.models import RejectionReason
from kinframe.photos.models import Photo, ReviewLease
from kinframe.photos.services import photo_reject, photo_withdraw

pytestmark = pytest.mark.django_db

JSON = {"HTTP_ACCEPT": "application/json"}
NOW = datetime.now(UTC)


def url(name: str, facility, *args) -> str:
    return reverse(f"console:{name}", args=[facility.code, *args])


def waiting(facility, count: int, *, connection=None) -> list[Photo]:
    return [
        PhotoFactory(
            connection=connection or ConnectionFactory(inmate=InmateFactory(facility=facility)),
            credits=500,
            created_at=NOW - timedelta(minutes=300 - n),
        )
        for n in range(count)
    ]


def shown_ids(html: str) -> list[str]:
    marker = 'data-testid="review-slide" data-photo-id="'
    ids, start = [], 0
    while (start := html.find(marker, start)) >= 0:
        start += len(marker)
        ids.append(html[start : html.index('"', start)])
    return ids


def test_two_reviewers_see_different_photos_and_each_card_tells_the_senders_story(
    client, facility, reviewer
):
    connection = ConnectionFactory(inmate=InmateFactory(facility=facility), relationship="sister")
    photos = waiting(facility, 6, connection=connection)
    earlier = PhotoFactory(connection=connection, credits=500)
    photo_reject(photo=earlier, actor=as_staff(reviewer), reason=facility.rejection_reasons.get())
    ConnectionFactory(
        sender=connection.sender,
        inmate=InmateFactory(facility=facility),
        status=Connection.Status.BLOCKED,
    )
    client.force_login(reviewer)
    html = client.get(url("review", facility)).content.decode()
    mine = shown_ids(html)
    assert mine == [str(p.public_id) for p in photos[:4]]  # oldest first, four held
    assert "sister" in html
    assert "7 photos sent, 1 rejected" in html
    assert "Against policy \N{MULTIPLICATION SIGN}1" in html
    assert "1 connection blocked" in html
    assert "<kbd>1</kbd> Against policy" in html  # reasons are numbered: their keys
    assert 'data-testid="review-legend"' in html
    other = StaffFactory(facility=facility)
    client.force_login(other)
    theirs = shown_ids(client.get(url("review", facility)).content.decode())
    assert theirs == [str(p.public_id) for p in photos[4:]]


def test_a_decision_needs_the_photo_on_screen_for_a_moment_then_undo_takes_it_back(
    client, facility, reviewer
):
    (photo,) = waiting(facility, 1)
    reason = facility.rejection_reasons.get()
    client.force_login(reviewer)
    with time_machine.travel(NOW, tick=False):
        client.get(url("review", facility))
        refused = client.post(
            url("photo_reject", facility, photo.public_id), {"reason": reason.pk}, **JSON
        )
    assert refused.status_code == 409
    assert "only just reached your screen" in refused.json()["text"]
    with time_machine.travel(NOW + timedelta(seconds=2), tick=False):
        done = client.post(
            url("photo_reject", facility, photo.public_id), {"reason": reason.pk}, **JSON
        )
    assert done.status_code == 200
    assert done.json()["ok"] is True
    assert balance_of(photo.sender) == 500
    with time_machine.travel(NOW + timedelta(seconds=6), tick=False):
        undone = client.post(done.json()["undo_url"], **JSON)
    assert undone.json()["ok"] is True
    photo.refresh_from_db()
    assert photo.status == Photo.Status.PENDING_REVIEW
    assert balance_of(photo.sender) == 400
    with time_machine.travel(NOW + timedelta(seconds=7), tick=False):
        again = client.post(done.json()["undo_url"], **JSON)
    assert again.status_code == 409
    assert "nothing to undo" in again.json()["text"]


def test_undo_from_the_grid_brings_the_card_back_and_without_javascript_redirects(
    client, facility, reviewer
):
    photos = waiting(facility, 2)
    client.force_login(reviewer)
    with time_machine.travel(NOW, tick=False):
        client.get(url("review_queue", facility))
    with time_machine.travel(NOW + timedelta(seconds=2), tick=False):
        notice = client.post(
            url("photo_approve", facility, photos[0].public_id), HTTP_HX_REQUEST="true"
        )
        card = client.post(url("photo_undo", facility, photos[0].public_id), HTTP_HX_REQUEST="true")
        client.post(url("photo_approve", facility, photos[1].public_id))
        plain = client.post(url("photo_undo", facility, photos[1].public_id), follow=True)
    assert 'data-testid="undo-button"' in notice.content.decode()
    assert 'data-testid="review-card"' in card.content.decode()
    assert "is waiting for your decision again" in plain.content.decode()
    assert Photo.objects.filter(status=Photo.Status.PENDING_REVIEW).count() == 2


def test_the_heartbeat_keeps_holds_drops_photos_decided_elsewhere_and_counts_live(
    client, facility, reviewer
):
    facility.review_target_minutes = 60
    facility.save()
    photos = waiting(facility, 5)
    client.force_login(reviewer)
    with time_machine.travel(NOW, tick=False):
        client.get(url("review", facility))
    photo_withdraw(photo=photos[1], actor=as_sender(photos[1].sender))  # gone from the queue
    beat = client.post(url("review_heartbeat", facility)).json()
    assert beat["held"] == [str(p.public_id) for p in (photos[0], photos[2], photos[3])]
    assert beat["waiting"] == 4
    assert beat["mine"] == 0
    assert beat["oldest_minutes"] >= 300
    assert beat["over_target"] is True
    assert beat["target_minutes"] == 60


def test_leaving_hands_the_photos_to_the_next_reviewer(client, facility, reviewer):
    waiting(facility, 4)
    client.force_login(reviewer)
    with time_machine.travel(NOW, tick=False):
        mine = shown_ids(client.get(url("review", facility)).content.decode())
        assert client.post(url("review_release", facility)).status_code == 204
    other = StaffFactory(facility=facility)
    client.force_login(other)
    with time_machine.travel(NOW + timedelta(seconds=5), tick=False):
        assert shown_ids(client.get(url("review", facility)).content.decode()) == mine


def test_the_stack_hands_out_more_photos_than_the_page_already_shows(client, facility, reviewer):
    photos = waiting(facility, 6)
    client.force_login(reviewer)
    html = client.get(url("review", facility)).content.decode()
    shown = shown_ids(html)
    held = ReviewLease.objects.filter(reviewer=reviewer)
    held.filter(photo=photos[0]).delete()  # decided meanwhile, say
    Photo.objects.filter(pk=photos[0].pk).update(status=Photo.Status.APPROVED)
    more = client.get(url("review_stack", facility), {"have": ",".join(shown[1:])})
    assert shown_ids(more.content.decode()) == [str(photos[4].public_id)]


def test_outsiders_and_investigators_cannot_reach_the_review_endpoints(
    client, facility, other_staff, investigator
):
    waiting(facility, 1)
    for user in (other_staff, investigator):
        client.force_login(user)
        assert client.get(url("review", facility)).status_code == 404
        assert client.post(url("review_heartbeat", facility)).status_code == 404
        assert client.post(url("review_release", facility)).status_code == 404
    assert not ReviewLease.objects.exists()


def _review_page_queries(client, facility, reviewer, django_assert_num_queries, count: int):
    RejectionReason.objects.create(
        facility=facility, code="nudity", label="Nudity", sender_message="No nudity."
    )
    waiting(facility, count)
    client.force_login(reviewer)
    with django_assert_num_queries(REVIEW_PAGE_QUERIES):
        response = client.get(url("review", facility))
    html = response.content.decode()
    assert len(shown_ids(html)) == min(count, 4)
    return len(response.content)


# Session, user, membership (3); the reviewer's holds, read (none yet); handing out four photos
# (clean up, renew, list, taken, lock the free photos, re-check, clear lapsed, create, in a
# savepoint); the cards and the senders' records (3); the counts (1); the reasons; the cards' flags
# (1). The same for 4 waiting as for 30 (and, in bench/review.py, 100,000).
REVIEW_PAGE_QUERIES = 20


@pytest.mark.parametrize("count", [4, 30])
def test_the_review_page_costs_the_same_however_long_the_queue(
    client, facility, reviewer, django_assert_num_queries, count
):
    size = _review_page_queries(client, facility, reviewer, django_assert_num_queries, count)
    assert size < 30_000  # light: four photos' cards, the keys and the counts


def test_the_grid_shows_a_dozen_whole_photos_and_stays_light(client, facility, reviewer):
    waiting(facility, 20)
    client.force_login(reviewer)
    html = client.get(url("review_queue", facility)).content.decode()
    assert html.count('data-testid="review-card"') == 12
    assert "/thumbnail/" not in html  # whole display images, never the square thumbnails
    assert len(html) < 60_000


def test_the_review_target_is_a_facility_setting(client, facility, facility_admin):
    client.force_login(facility_admin)
    settings_url = url("settings", facility)
    assert 'data-testid="review-target"' in client.get(settings_url).content.decode()
    response = client.post(
        settings_url, {"photos_enabled": "on", "photo_price": "100", "review_target_minutes": "90"}
    )
    assert response.status_code == 302
    facility.refresh_from_db()
    assert facility.review_target_minutes == 90
    bad = client.post(
        settings_url, {"photos_enabled": "on", "photo_price": "100", "review_target_minutes": "0"}
    )
    assert bad.status_code == 400
    facility.refresh_from_db()
    assert facility.review_target_minutes == 90
