"""The kiosk pages: requests, gallery, viewer and photo files, for the owner and for everybody else."""

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from tests.factories import (
    ConnectionFactory,
    DeliveredPhotoFactory,
    InmateFactory,
    StaffFactory,
    UserFactory,
)
from tests.kiosk.kiosk_helpers import kiosk_client, kiosk_screen

from kinframe.audit.models import AuditEvent
from kinframe.connections.models import Connection
from kinframe.photos.models import Photo, PhotoView

pytestmark = pytest.mark.django_db

HOME = reverse("kiosk:home")
SIGN_IN = reverse("kiosk:sign_in")


def viewer_url(photo):
    return reverse("kiosk:photo", kwargs={"public_id": photo.public_id})


def file_url(photo, variant="display"):
    return reverse("kiosk:photo_file", kwargs={"public_id": photo.public_id, "variant": variant})


def approve_url(connection):
    return reverse("kiosk:connection_approve", kwargs={"connection_id": connection.pk})


def decline_url(connection):
    return reverse("kiosk:connection_decline", kwargs={"connection_id": connection.pk})


@pytest.fixture
def owner(inmate):
    return kiosk_client(inmate)


@pytest.fixture
def other_inmate(facility):
    return kiosk_client(InmateFactory(facility=facility))


@pytest.fixture
def sender_browser(sender):
    client = Client()
    client.force_login(sender)
    return client


@pytest.fixture
def staff_browser(facility):
    client = Client()
    client.force_login(StaffFactory(facility=facility))
    return client


@pytest.fixture
def photo(connection_):
    return DeliveredPhotoFactory(connection=connection_)


@pytest.fixture
def pending(inmate):
    sender = UserFactory(first_name="Grace", last_name="Hill")
    return ConnectionFactory(
        sender=sender, inmate=inmate, status=Connection.Status.REQUESTED, relationship="mother"
    )


# --- home: requests and gallery -------------------------------------------------------------------


def test_home_shows_pending_requests_and_photos(owner, pending, photo):
    response = owner.get(HOME)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Grace Hill" in body
    assert 'data-testid="request-relationship">mother' in body
    assert 'data-testid="approve-request"' in body
    assert file_url(photo, "thumbnail") in body
    assert file_url(photo, "display") not in body
    assert not PhotoView.objects.exists()


@pytest.mark.parametrize("who", ["anonymous", "sender", "staff"])
def test_browsers_that_are_not_kiosks_get_the_not_enrolled_page(
    who, client, sender_browser, staff_browser, photo, pending
):
    browser = {"anonymous": client, "sender": sender_browser, "staff": staff_browser}[who]
    for url in [HOME, SIGN_IN, viewer_url(photo), file_url(photo), file_url(photo, "thumbnail")]:
        response = browser.get(url)
        assert response.status_code == 403
        assert b"This screen is not enrolled" in response.content
    for url in [approve_url(pending), decline_url(pending)]:
        assert browser.post(url).status_code == 403
    pending.refresh_from_db()
    assert pending.status == Connection.Status.REQUESTED
    assert not PhotoView.objects.exists()


def test_a_kiosk_with_nobody_signed_in_goes_to_the_sign_in(facility, photo, pending):
    screen = kiosk_screen(facility)
    for url in [HOME, viewer_url(photo)]:
        assert screen.get(url)["Location"] == SIGN_IN
    for url in [approve_url(pending), decline_url(pending)]:
        assert screen.post(url)["Location"] == SIGN_IN
    assert screen.get(file_url(photo)).status_code == 404
    pending.refresh_from_db()
    assert pending.status == Connection.Status.REQUESTED


def test_another_inmate_sees_neither_requests_nor_photos(other_inmate, pending, photo):
    body = other_inmate.get(HOME).content.decode()
    assert "Grace Hill" not in body
    assert str(photo.public_id) not in body
    assert 'data-testid="gallery-empty"' in body


def test_gallery_is_newest_first_and_only_delivered_photos(owner, connection_):
    now = timezone.now()
    older = DeliveredPhotoFactory(connection=connection_, reviewed_at=now - timedelta(days=2))
    newer = DeliveredPhotoFactory(connection=connection_, reviewed_at=now - timedelta(days=1))
    hidden = [
        DeliveredPhotoFactory(connection=connection_, status=status)
        for status in (Photo.Status.PENDING_REVIEW, Photo.Status.REJECTED, Photo.Status.RECEIVED)
    ]
    response = owner.get(HOME)
    assert list(response.context["page"].object_list) == [newer, older]
    body = response.content.decode()
    assert all(str(photo.public_id) not in body for photo in hidden)


def test_gallery_takes_a_fixed_number_of_queries(
    owner, inmate, facility, django_assert_num_queries
):
    for _ in range(4):
        connection = ConnectionFactory(inmate=inmate)
        DeliveredPhotoFactory(connection=connection)
        DeliveredPhotoFactory(connection=connection)
        ConnectionFactory(inmate=inmate, status=Connection.Status.REQUESTED)
    # device, session, inmate, new photos (bounded, no count), a page of photos with senders
    # (keyset: no count), pending requests with senders
    with django_assert_num_queries(6):
        response = owner.get(HOME)
    assert len(response.context["page"].object_list) == 8
    assert len(response.context["pending"]) == 4


# --- approving and declining ----------------------------------------------------------------------


def test_inmate_approves_a_request(owner, inmate, pending, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = owner.post(approve_url(pending), follow=True)
    assert "Grace Hill can now send you photos" in response.content.decode()
    assert 'data-testid="pending-request"' not in response.content.decode()
    pending.refresh_from_db()
    assert pending.status == Connection.Status.APPROVED
    assert AuditEvent.objects.get(action="connection.approved").actor_inmate == inmate
    assert mail.outbox[0].to == [pending.sender.email]


def test_inmate_declines_a_request(owner, pending, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        owner.post(decline_url(pending))
    pending.refresh_from_db()
    assert pending.status == Connection.Status.DECLINED
    assert "declined" in mail.outbox[0].subject


def test_a_double_tap_answers_once(owner, pending):
    owner.post(approve_url(pending))
    response = owner.post(decline_url(pending), follow=True)
    assert "already answered" in response.content.decode()
    pending.refresh_from_db()
    assert pending.status == Connection.Status.APPROVED


def test_another_inmate_cannot_answer(other_inmate, pending):
    assert other_inmate.post(approve_url(pending)).status_code == 404
    assert other_inmate.post(decline_url(pending)).status_code == 404
    pending.refresh_from_db()
    assert pending.status == Connection.Status.REQUESTED


def test_answers_need_post(owner, pending):
    assert owner.get(approve_url(pending)).status_code == 405
    pending.refresh_from_db()
    assert pending.status == Connection.Status.REQUESTED


# --- viewer and files -----------------------------------------------------------------------------


def test_viewer_shows_the_display_image_with_neighbours(owner, connection_):
    now = timezone.now()
    oldest, middle, newest = (
        DeliveredPhotoFactory(connection=connection_, reviewed_at=now - timedelta(hours=h))
        for h in (3, 2, 1)
    )
    response = owner.get(viewer_url(middle))
    assert response.status_code == 200
    assert response.context["newer"]["page"] == viewer_url(newest)
    assert response.context["older"]["page"] == viewer_url(oldest)
    assert file_url(middle, "display") in response.content.decode()
    first = owner.get(viewer_url(newest))
    assert first.context["newer"] is None
    assert first.context["older"]["page"] == viewer_url(middle)


def test_one_opening_records_one_view(owner, inmate, photo):
    owner.get(viewer_url(photo))
    response = owner.get(file_url(photo))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert "private" in response["Cache-Control"]
    assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"
    view = PhotoView.objects.get()
    assert (view.photo, view.viewer_inmate, view.variant) == (photo, inmate, "display")
    assert AuditEvent.objects.filter(action="photo.viewed", actor_inmate=inmate).count() == 1


def test_photos_open_as_often_as_the_owner_likes(owner, photo):
    for _ in range(3):
        assert owner.get(file_url(photo)).status_code == 200
    assert PhotoView.objects.count() == 3


def test_thumbnails_are_not_views(owner, photo):
    response = owner.get(file_url(photo, "thumbnail"))
    assert response.status_code == 200
    assert not PhotoView.objects.exists()


@pytest.mark.parametrize("variant", ["original", "image", "../x"])
def test_unknown_variant_is_a_404(owner, photo, variant):
    url = reverse("kiosk:photo", kwargs={"public_id": photo.public_id}) + f"{variant}/"
    assert owner.get(url).status_code == 404
    assert not PhotoView.objects.exists()


@pytest.mark.parametrize("status", [Photo.Status.PENDING_REVIEW, Photo.Status.REJECTED])
def test_undelivered_photos_are_a_404_even_for_the_owner(owner, connection_, status):
    photo = DeliveredPhotoFactory(connection=connection_, status=status)
    assert owner.get(viewer_url(photo)).status_code == 404
    assert owner.get(file_url(photo)).status_code == 404
    assert owner.get(file_url(photo, "thumbnail")).status_code == 404


def test_another_inmate_does_not_get_the_photo_files(other_inmate, photo):
    assert other_inmate.get(file_url(photo)).status_code == 404
    assert other_inmate.get(file_url(photo, "thumbnail")).status_code == 404
    assert not PhotoView.objects.exists()


def test_another_inmates_viewer_is_a_404(other_inmate, photo):
    assert other_inmate.get(viewer_url(photo)).status_code == 404


def test_kiosk_dates_are_the_facilitys_local_dates(owner, connection_):
    """A request made at 01:30 UTC on Nov 26 was made on Nov 25 in Chicago."""
    from datetime import UTC, datetime

    from kinframe.connections.models import Connection

    request = ConnectionFactory(inmate=connection_.inmate, status=Connection.Status.REQUESTED)
    Connection.objects.filter(pk=request.pk).update(
        created_at=datetime(2026, 11, 26, 1, 30, tzinfo=UTC)
    )
    connection_.inmate.facility.time_zone = "America/Chicago"
    connection_.inmate.facility.save()
    html = owner.get(reverse("kiosk:home")).content.decode()
    assert "November 25" in html
    assert "November 26" not in html
