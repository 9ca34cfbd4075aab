"""Sender pages: send, history, thumbnail, withdraw — for the owner, another sender, anonymous and
unverified users."""

from urllib.parse import quote

import pytest
from django.urls import NoReverseMatch, reverse
from tests.actors import as_staff
from tests.factories import ConnectionFactory, PhotoFactory, UserFactory, give_credits
from tests.photos.photo_helpers import (
    balance_of,
    charges,
    image_bytes,
    jpeg_upload,
    stored_files,
    upload,
)

from kinframe.connections.models import Connection
from kinframe.facilities.models import RejectionReason
from kinframe.photos.imaging import ACCEPTED_FORMATS_TEXT
from kinframe.photos.models import Photo
from kinframe.photos.services import photo_reject

pytestmark = pytest.mark.django_db
XHR = {"HTTP_X_REQUESTED_WITH": "XMLHttpRequest"}


def send_url(connection) -> str:
    return reverse("sender:photo_send", kwargs={"connection_id": connection.pk})


@pytest.fixture
def owner_client(client, sender):
    client.force_login(sender)
    return client


@pytest.fixture
def post_photos(owner_client, connection_, django_capture_on_commit_callbacks):
    def post(*files, headers=None):
        with django_capture_on_commit_callbacks(execute=True):
            return owner_client.post(
                send_url(connection_), {"photos": list(files)}, **(headers or {})
            )

    return post


# --- send page ------------------------------------------------------------------------------------


def test_send_page_shows_price_balance_total_and_a_multiple_file_picker(
    owner_client, sender, connection_
):
    give_credits(sender, 350)
    response = owner_client.get(send_url(connection_))
    assert response.status_code == 200
    html = response.content.decode()
    assert connection_.inmate.full_name in html
    assert 'data-testid="price-per-photo">100<' in html
    assert 'data-testid="balance">350<' in html
    assert 'data-testid="total-price"' in html
    assert 'enctype="multipart/form-data"' in html
    assert 'type="file"' in html
    assert "multiple" in html
    assert 'accept="image/*,.heic,.heif"' in html
    assert "kinframe/send.js" in html
    assert 'data-testid="upload-progress"' in html
    assert 'data-testid="low-balance" hidden' in html  # enough for a photo


def test_send_page_says_when_the_balance_is_too_low(owner_client, connection_):
    html = owner_client.get(send_url(connection_)).content.decode()
    assert 'data-testid="low-balance" hidden' not in html
    assert "too low" in html
    try:
        credits_url = reverse("sender:credits")
    except NoReverseMatch:  # the credits pages are not installed in this build
        credits_url = None
    if credits_url:
        assert f'href="{credits_url}"' in html


def test_send_page_access(client, sender, connection_, outsider):
    url = send_url(connection_)
    assert client.get(url).status_code == 302  # anonymous: to sign in
    assert "/accounts/login/" in client.get(url)["Location"]

    unverified = UserFactory(verified=False)
    ConnectionFactory(sender=unverified, inmate=connection_.inmate)
    client.force_login(unverified)
    assert client.get(url)["Location"] == reverse("account_email")

    client.force_login(outsider)
    assert client.get(url).status_code == 404
    assert client.post(url, {"photos": [jpeg_upload()]}).status_code == 404

    client.force_login(sender)
    assert client.get(url).status_code == 200
    Connection.objects.filter(pk=connection_.pk).update(status=Connection.Status.ENDED)
    assert client.get(url).status_code == 404
    assert (
        client.get(reverse("sender:photo_send", kwargs={"connection_id": 999999})).status_code
        == 404
    )


def test_send_page_without_photos_enabled_says_so(owner_client, connection_):
    facility = connection_.inmate.facility
    facility.photos_enabled = False
    facility.save()
    response = owner_client.get(send_url(connection_))
    assert response.status_code == 200
    assert 'data-testid="cannot-send"' in response.content.decode()
    assert 'data-testid="send-form"' not in response.content.decode()


def test_sending_redirects_to_history_with_what_was_charged(post_photos, owner_client, sender):
    give_credits(sender, 500)
    response = post_photos(jpeg_upload("one.jpg"), jpeg_upload("two.png"))
    assert response.status_code == 302
    assert response["Location"] == reverse("sender:photos")
    page = owner_client.get(response["Location"]).content.decode()
    assert "2 photos sent, 200 credits charged" in page
    assert balance_of(sender) == 300
    assert Photo.objects.filter(status=Photo.Status.PENDING_REVIEW).count() == 2


def test_sending_by_xhr_answers_json(post_photos, sender):
    give_credits(sender, 500)
    response = post_photos(jpeg_upload(), headers=XHR)
    assert response.status_code == 200
    assert response.json() == {
        "ok": True,
        "redirect": reverse("sender:photos"),
        "count": 1,
        "charged": 100,
    }


def test_too_few_credits_is_402_with_a_message_and_nothing_charged(
    post_photos, sender, private_storage
):
    give_credits(sender, 150)
    response = post_photos(jpeg_upload("a.jpg"), jpeg_upload("b.jpg"))
    assert response.status_code == 402
    html = response.content.decode()
    assert "costs 200 credits but your balance is 150" in html
    assert "nothing was charged" in html
    assert 'data-testid="send-form"' in html  # the form again, to try with fewer photos

    response = post_photos(jpeg_upload("a.jpg"), jpeg_upload("b.jpg"), headers=XHR)
    assert response.status_code == 402
    assert "Buy credits" in response.json()["message"]
    assert (balance_of(sender), charges(sender), Photo.objects.count()) == (150, 0, 0)
    assert stored_files(private_storage) == []


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("holiday.jpg", b"%PDF-1.5\n%\xb5\xb5\xb5\xb5\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"),
        ("empty.jpg", b""),
    ],
)
def test_refused_file_is_400_naming_the_file_and_what_is_accepted(post_photos, sender, name, data):
    give_credits(sender, 500)
    response = post_photos(jpeg_upload("fine.jpg"), upload(name, data))
    assert response.status_code == 400
    html = response.content.decode()
    assert name in html
    assert ACCEPTED_FORMATS_TEXT in html
    response = post_photos(upload(name, data), headers=XHR)
    assert response.status_code == 400
    assert response.json()["message"].startswith(f"{name}: ")
    assert (balance_of(sender), Photo.objects.count()) == (500, 0)


def test_oversize_file_is_400(post_photos, sender, settings):
    give_credits(sender, 500)
    settings.PHOTO_MAX_UPLOAD_BYTES = 20_000
    response = post_photos(upload("huge.png", image_bytes("PNG", (400, 400)) + b"\0" * 30_000))
    assert response.status_code == 400
    assert "too large" in response.content.decode()
    assert (balance_of(sender), Photo.objects.count()) == (500, 0)


def test_posting_no_files_or_too_many_is_400(post_photos, sender, settings):
    give_credits(sender, 5000)
    assert post_photos().status_code == 400
    settings.PHOTO_MAX_PER_SEND = 2
    response = post_photos(jpeg_upload(), jpeg_upload(), jpeg_upload())
    assert response.status_code == 400
    assert "at most 2 photos" in response.content.decode()
    assert (balance_of(sender), Photo.objects.count()) == (5000, 0)


# --- history --------------------------------------------------------------------------------------


def test_history_lists_status_reason_refund_and_withdraw(
    owner_client, sender, connection_, reviewer, django_capture_on_commit_callbacks
):
    give_credits(sender, 500)
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(send_url(connection_), {"photos": [jpeg_upload(), jpeg_upload()]})
    rejected, pending = Photo.objects.order_by("pk")
    reason = RejectionReason.objects.get(facility=connection_.inmate.facility)
    photo_reject(photo=rejected, actor=as_staff(reviewer), reason=reason)

    html = owner_client.get(reverse("sender:photos")).content.decode()
    assert html.count('data-testid="photo-status"') == 2
    assert "Waiting for review" in html
    assert "Rejected" in html
    assert reason.sender_message.replace("'", "&#x27;") in html
    assert "100 credits refunded" in html
    assert html.count('data-testid="withdraw-button"') == 1
    assert reverse("sender:photo_withdraw", args=[pending.public_id]) in html
    assert reverse("sender:photo_thumbnail", args=[pending.public_id]) in html
    assert connection_.inmate.full_name in html


def test_history_shows_only_own_photos_newest_first_paginated(owner_client, sender, connection_):
    give_credits(sender, 10_000)
    photos = [PhotoFactory(connection=connection_, charged=True) for _ in range(23)]
    other = ConnectionFactory()
    give_credits(other.sender, 100)
    foreign = PhotoFactory(connection=other, charged=True, original_name="not-yours.jpg")

    first = owner_client.get(reverse("sender:photos"))
    assert first.context["photos"][0] == photos[-1]
    assert len(first.context["photos"]) == 20
    cursor = first.context["page"].older_cursor
    second = owner_client.get(reverse("sender:photos"), {"after": cursor})
    assert [p.pk for p in second.context["photos"]] == [p.pk for p in reversed(photos[:3])]
    assert f'href="?after={quote(cursor)}"' in first.content.decode()
    for page in (first, second):
        assert str(foreign.public_id) not in page.content.decode()


def test_history_query_count_does_not_grow_with_photos(
    owner_client, sender, connection_, django_assert_num_queries
):
    give_credits(sender, 10_000)
    PhotoFactory(connection=connection_, charged=True)
    # session, user, verified-email check, wallet balance, photos (with refunds); no count
    with django_assert_num_queries(5):
        assert owner_client.get(reverse("sender:photos")).status_code == 200
    for _ in range(15):
        PhotoFactory(connection=connection_, charged=True, status=Photo.Status.FAILED)
    with django_assert_num_queries(5):
        assert owner_client.get(reverse("sender:photos")).status_code == 200


def test_history_access(client, sender):
    url = reverse("sender:photos")
    assert "/accounts/login/" in client.get(url)["Location"]
    client.force_login(UserFactory(verified=False))
    assert client.get(url)["Location"] == reverse("account_email")
    client.force_login(sender)
    assert 'data-testid="no-photos"' in client.get(url).content.decode()


# --- thumbnail and withdraw -----------------------------------------------------------------------


@pytest.fixture
def processed_photo(post_photos, sender):
    give_credits(sender, 500)
    post_photos(jpeg_upload())
    return Photo.objects.get()


def test_thumbnail_only_for_its_sender(client, sender, outsider, processed_photo):
    url = reverse("sender:photo_thumbnail", args=[processed_photo.public_id])
    client.logout()
    response = client.get(url)
    assert response.status_code == 302  # anonymous
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    client.force_login(UserFactory(verified=False))
    assert client.get(url)["Location"] == reverse("account_email")
    client.force_login(sender)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content)[:3] == b"\xff\xd8\xff"
    assert not processed_photo.views.exists()  # a thumbnail in a list is not a "view"


def test_thumbnail_of_a_photo_not_processed_is_404(owner_client, sender, connection_):
    give_credits(sender, 500)
    photo = PhotoFactory(connection=connection_, charged=True, status=Photo.Status.RECEIVED)
    assert (
        owner_client.get(reverse("sender:photo_thumbnail", args=[photo.public_id])).status_code
        == 404
    )


def test_withdraw_refunds_once_and_only_for_the_sender(client, sender, outsider, processed_photo):
    url = reverse("sender:photo_withdraw", args=[processed_photo.public_id])
    client.logout()
    assert "/accounts/login/" in client.post(url)["Location"]
    client.force_login(outsider)
    assert client.post(url).status_code == 404
    assert balance_of(sender) == 400

    client.force_login(sender)
    assert client.get(url).status_code == 405
    response = client.post(url, follow=True)
    assert "Photo withdrawn; 100 credits refunded." in response.content.decode()
    response = client.post(url, follow=True)
    assert "cannot be withdrawn" in response.content.decode()
    assert balance_of(sender) == 500
    processed_photo.refresh_from_db()
    assert processed_photo.status == Photo.Status.WITHDRAWN


def test_history_refreshes_itself_only_while_a_photo_is_processing(
    owner_client, sender, connection_
):
    give_credits(sender, 500)
    photo = PhotoFactory(connection=connection_, charged=True, status=Photo.Status.RECEIVED)
    html = owner_client.get(reverse("sender:photos")).content.decode()
    assert 'hx-trigger="every 3s"' in html
    assert "Processing" in html

    Photo.objects.filter(pk=photo.pk).update(status=Photo.Status.PENDING_REVIEW)
    html = owner_client.get(reverse("sender:photos")).content.decode()
    assert "hx-trigger" not in html
    assert "Waiting for review" in html
