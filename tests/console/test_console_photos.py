"""A facility's photo history, one photo's record with its views, and the photo files."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.urls import reverse
from tests.actors import as_inmate, as_staff
from tests.factories import (
    ConnectionFactory,
    InmateFactory,
    PhotoFactory,
    StaffFactory,
    UserFactory,
)

from kinframe.photos.models import Photo, PhotoView
from kinframe.photos.services import photo_approve, photo_record_view

pytestmark = pytest.mark.django_db


def detail_url(photo) -> str:
    return reverse("console:photo_detail", args=[photo.facility.code, photo.public_id])


def file_url(photo, variant: str) -> str:
    return reverse("console:photo_file", args=[photo.facility.code, photo.public_id, variant])


def history_url(facility) -> str:
    return reverse("console:photos", args=[facility.code])


def _img_src(html: str) -> str:
    start = html.index('data-testid="photo-display"')
    src = html.rindex('src="', 0, start) + len('src="')
    return html[src : html.index('"', src)].replace("&amp;", "&")


def test_opening_a_photo_records_a_staff_view_and_the_page_lists_every_view(
    client, investigator, facility_admin, photo, inmate
):
    photo_approve(photo=photo, actor=as_staff(facility_admin))
    photo_record_view(photo=photo, actor=as_inmate(inmate))
    photo_record_view(photo=photo, actor=as_inmate(inmate))
    client.force_login(investigator)
    response = client.get(detail_url(photo))
    html = response.content.decode()
    # The page lists its own opening: it never says nobody has opened the photo it is showing.
    assert html.count('data-testid="view-row"') == 3
    assert f"Staff {investigator.username}" in html
    assert client.get(_img_src(html)).status_code == 200  # its <img>: the same opening
    staff_view = PhotoView.objects.get(viewer_kind="staff")
    assert staff_view.viewer_user == investigator
    assert staff_view.variant == "display"
    html = client.get(detail_url(photo)).content.decode()
    assert html.count('data-testid="view-row"') == 4
    assert html.count(f"Recipient #{inmate.number}") == 2
    assert "127.0.0.1" in html
    assert 'data-testid="photo-reviewer">' + facility_admin.username in html
    assert "Delivered" in html  # the approved status, as staff read it
    assert 'data-testid="approve-button"' not in html  # decided, and investigators never decide


def test_a_first_opening_is_listed_on_the_page_that_shows_it(client, reviewer, photo):
    """Issue 11: the record page said "Nobody has opened this photo yet" while showing it."""
    client.force_login(reviewer)
    html = client.get(detail_url(photo)).content.decode()
    assert "Nobody has opened this photo yet" not in html
    assert html.count('data-testid="view-row"') == 1


def test_every_fetch_of_the_full_size_file_is_a_view_and_thumbnails_are_not(
    client, reviewer, photo
):
    """Found in review: the file URL typed in directly showed the photo without a trace."""
    client.force_login(reviewer)
    html = client.get(detail_url(photo)).content.decode()  # the page's own opening: one view
    assert client.get(_img_src(html)).status_code == 200  # its <img> is the same opening
    for _ in range(3):
        assert client.get(file_url(photo, "display")).status_code == 200
    assert client.get(file_url(photo, "thumbnail")).status_code == 200
    assert PhotoView.objects.filter(photo=photo, viewer_user=reviewer).count() == 4


def test_the_pages_note_only_covers_its_own_viewer(client, reviewer, photo, facility):
    """A note copied into another staff member's browser does not hide their opening."""
    client.force_login(reviewer)
    src = _img_src(client.get(detail_url(photo)).content.decode())
    other = StaffFactory(facility=facility)
    client.force_login(other)
    assert client.get(src).status_code == 200
    assert PhotoView.objects.filter(photo=photo, viewer_user=other).count() == 1


def test_rejected_photo_shows_its_reason_and_reviewer(client, reviewer, photo):
    from kinframe.photos.services import photo_reject

    photo_reject(
        photo=photo, actor=as_staff(reviewer), reason=photo.facility.rejection_reasons.get()
    )
    client.force_login(reviewer)
    html = client.get(detail_url(photo)).content.decode()
    assert "Against policy" in html
    assert reviewer.username in html


def test_pending_photo_detail_offers_the_decision_to_a_reviewer(client, reviewer, photo):
    client.force_login(reviewer)
    html = client.get(detail_url(photo)).content.decode()
    assert 'data-testid="approve-button"' in html
    assert 'data-testid="reject-reason"' in html


@pytest.mark.parametrize("variant", ["display", "thumbnail"])
def test_photo_files_are_private_jpegs(client, reviewer, photo, variant):
    client.force_login(reviewer)
    response = client.get(file_url(photo, variant))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert "private" in response["Cache-Control"]
    assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"


def test_an_unknown_variant_is_404(client, reviewer, photo):
    client.force_login(reviewer)
    assert client.get(file_url(photo, "original")).status_code == 404


def test_history_lists_every_photo_with_its_view_count(client, investigator, photo, inmate):
    approved = PhotoFactory(connection=photo.connection, charged=True, status=Photo.Status.APPROVED)
    photo_record_view(photo=approved, actor=as_inmate(inmate))
    photo_record_view(photo=approved, actor=as_inmate(inmate))
    client.force_login(investigator)
    response = client.get(history_url(photo.facility))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('data-testid="history-row"') == 2
    assert '<td class="num" data-testid="view-count">2</td>' in html
    assert '<td class="num" data-testid="view-count">0</td>' in html


def test_history_filters_by_status_and_searches_by_number_or_sender(
    client, investigator, facility, photo
):
    other_inmate = InmateFactory(facility=facility, number="Z-777")
    other = PhotoFactory(
        connection=ConnectionFactory(
            inmate=other_inmate, sender=UserFactory(username="grandma_rose")
        ),
        credits=500,
        status=Photo.Status.APPROVED,
    )
    client.force_login(investigator)

    def rows(**params) -> set[str]:
        html = client.get(history_url(facility), params).content.decode()
        return {str(p.public_id) for p in (photo, other) if str(p.public_id) in html}

    assert rows() == {str(photo.public_id), str(other.public_id)}
    assert rows(status="approved") == {str(other.public_id)}
    assert rows(status="pending_review") == {str(photo.public_id)}
    assert rows(q="z-777") == {str(other.public_id)}
    assert rows(q="rose") == {str(other.public_id)}
    assert rows(q=photo.sender.username) == {str(photo.public_id)}
    assert rows(status="nonsense") == {str(photo.public_id), str(other.public_id)}


def test_history_never_shows_another_facilitys_photos(client, investigator, photo, other_photo):
    client.force_login(investigator)
    html = client.get(history_url(photo.facility)).content.decode()
    assert str(photo.public_id) in html
    assert str(other_photo.public_id) not in html


def test_history_is_paginated_by_older_and_newer_links(client, investigator, facility, connection_):
    for n in range(27):
        PhotoFactory(connection=connection_, credits=100 if n else 3000)
    client.force_login(investigator)
    first = client.get(history_url(facility), {"status": "pending_review"})
    assert first.content.decode().count('data-testid="history-row"') == 25
    older = client.get(link(first, "page-older"))
    assert older.content.decode().count('data-testid="history-row"') == 2
    assert "status=pending_review" in link(first, "page-older")  # the filter carries along
    assert 'data-testid="page-older"' not in older.content.decode()
    newer = client.get(link(older, "page-newer"))
    assert [p.pk for p in newer.context["page"]] == [p.pk for p in first.context["page"]]
    for nonsense in ("x", "2026-13-01T00:00:00+00:00_1", "_", "2026-01-01T00:00:00_1"):
        response = client.get(history_url(facility), {"after": nonsense})
        assert response.status_code == 200
        assert response.content.decode().count('data-testid="history-row"') == 25


def link(response, testid: str) -> str:
    """The URL of the page link marked ``testid`` on ``response``'s page."""
    match = re.search(f'href="([^"]+)"[^>]*data-testid="{testid}"', response.content.decode())
    assert match, f"no {testid} link"
    return response.request["PATH_INFO"] + unescape(match.group(1))


@pytest.mark.parametrize("count", [2, 10])
def test_history_query_count_does_not_grow_with_the_photos(
    client, investigator, facility, django_assert_num_queries, count, inmate
):
    for n in range(count):
        photo = PhotoFactory(
            connection=ConnectionFactory(inmate=InmateFactory(facility=facility)),
            credits=100 + n,
            status=Photo.Status.REJECTED,
        )
        # Every row has a reviewer and a reason to show, so a missing join would show up.
        Photo.objects.filter(pk=photo.pk).update(
            reviewed_by=StaffFactory(facility=facility),
            rejection_reason=facility.rejection_reasons.get(),
        )
        photo_record_view(photo=photo, actor=as_inmate(photo.inmate))
    client.force_login(investigator)
    with django_assert_num_queries(4):  # no count of the whole history
        response = client.get(history_url(facility))
    assert response.content.decode().count('data-testid="history-row"') == count
