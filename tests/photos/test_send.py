"""photo_send / photo_send_many: checks before charging, one transaction, nothing left behind."""

import io

import pytest
from django.core import mail
from django.utils import translation
from PIL import Image
from tests.actors import as_sender
from tests.factories import ConnectionFactory, UserFactory, give_credits
from tests.photos.photo_helpers import (
    balance_of,
    charges,
    image_bytes,
    jpeg_upload,
    stored_files,
    upload,
)

from kinframe.audit.models import AuditEvent
from kinframe.connections.models import Connection
from kinframe.credits.services import InsufficientCredits
from kinframe.facilities.models import Inmate
from kinframe.photos.imaging import UnsupportedImage
from kinframe.photos.models import Photo
from kinframe.photos.services import PhotoSendError, photo_send, photo_send_many

pytestmark = pytest.mark.django_db


def test_send_charges_once_and_processing_makes_a_clean_photo_for_review(
    sender, connection_, private_storage, django_capture_on_commit_callbacks
):
    give_credits(sender, 500)
    with django_capture_on_commit_callbacks(execute=True):
        photo = photo_send(
            actor=as_sender(sender),
            connection=connection_,
            upload=jpeg_upload("beach.jpg", size=(2400, 1800), exif=True),
        )
    photo.refresh_from_db()

    assert photo.status == Photo.Status.PENDING_REVIEW
    assert photo.price == 100
    assert photo.facility == connection_.inmate.facility
    assert photo.original_name == "beach.jpg"
    assert balance_of(sender) == 400
    assert charges(sender) == 1
    assert AuditEvent.objects.filter(action="photo.sent", target_id=str(photo.pk)).exists()
    # The original is gone once processing ended; only the display JPEG and thumbnail remain.
    assert not photo.original
    assert sorted(p.name for p in stored_files(private_storage)) == sorted(
        name.rsplit("/", 1)[-1] for name in (photo.image.name, photo.thumbnail.name)
    )
    display = Image.open(io.BytesIO(photo.image.read()))
    assert display.format == "JPEG"
    assert max(display.size) == 1600
    assert (photo.width, photo.height) == display.size
    assert not display.getexif()
    assert "exif" not in display.info
    thumbnail = Image.open(io.BytesIO(photo.thumbnail.read()))
    assert max(thumbnail.size) <= 320
    assert len(photo.sha256) == 64
    assert photo.phash
    assert photo.processed_at is not None


def test_too_few_credits_charges_nothing_and_leaves_no_rows_or_files(
    sender, connection_, private_storage, django_capture_on_commit_callbacks
):
    give_credits(sender, 99)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(InsufficientCredits):
        photo_send(actor=as_sender(sender), connection=connection_, upload=jpeg_upload())

    assert balance_of(sender) == 99
    assert charges(sender) == 0
    assert not Photo.objects.exists()
    assert stored_files(private_storage) == []


def test_several_photos_are_all_sent_or_none(
    sender, connection_, private_storage, django_capture_on_commit_callbacks
):
    give_credits(sender, 250)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(InsufficientCredits):
        photo_send_many(
            actor=as_sender(sender),
            connection=connection_,
            uploads=[jpeg_upload("a.jpg"), jpeg_upload("b.jpg"), jpeg_upload("c.jpg")],
        )
    assert (balance_of(sender), charges(sender), Photo.objects.count()) == (250, 0, 0)
    assert stored_files(private_storage) == []

    give_credits(sender, 50)
    with django_capture_on_commit_callbacks(execute=True):
        photos = photo_send_many(
            actor=as_sender(sender),
            connection=connection_,
            uploads=[jpeg_upload("a.jpg"), jpeg_upload("b.jpg"), jpeg_upload("c.jpg")],
        )
    assert [p.original_name for p in photos] == ["a.jpg", "b.jpg", "c.jpg"]
    assert balance_of(sender) == 0
    assert charges(sender) == 3
    assert set(Photo.objects.values_list("status", flat=True)) == {Photo.Status.PENDING_REVIEW}
    assert len(stored_files(private_storage)) == 6  # display + thumbnail each, no originals


def test_one_bad_file_refuses_the_whole_batch_naming_it(sender, connection_, private_storage):
    give_credits(sender, 1000)
    with pytest.raises(UnsupportedImage) as refused:
        photo_send_many(
            actor=as_sender(sender),
            connection=connection_,
            uploads=[
                jpeg_upload("good.jpg"),
                upload("report.jpg", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n"),
            ],
        )
    assert refused.value.filename == "report.jpg"
    assert "JPEG" in str(refused.value)
    assert (balance_of(sender), Photo.objects.count(), stored_files(private_storage)) == (
        1000,
        0,
        [],
    )


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("empty.jpg", b""),
        ("renamed.jpg", b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n"),
        ("page.png", b"<html><body>hello</body></html>"),
    ],
)
def test_refused_files_are_refused_before_charging(sender, connection_, name, data):
    give_credits(sender, 500)
    with pytest.raises(UnsupportedImage):
        photo_send(actor=as_sender(sender), connection=connection_, upload=upload(name, data))
    assert (balance_of(sender), Photo.objects.count()) == (500, 0)


def test_oversize_and_too_many_pixels_are_refused(sender, connection_, settings):
    give_credits(sender, 500)
    settings.PHOTO_MAX_UPLOAD_BYTES = 10_000
    with pytest.raises(UnsupportedImage, match="too large"):
        photo_send(
            actor=as_sender(sender),
            connection=connection_,
            upload=upload("big.png", image_bytes("PNG", (600, 600)) + b"\0" * 20_000),
        )
    settings.PHOTO_MAX_UPLOAD_BYTES = 25 * 1024 * 1024
    settings.PHOTO_MAX_PIXELS = 100_000
    with pytest.raises(UnsupportedImage, match="too many pixels"):
        photo_send(
            actor=as_sender(sender), connection=connection_, upload=jpeg_upload(size=(800, 600))
        )
    with translation.override("es"), pytest.raises(UnsupportedImage) as spanish:
        photo_send(
            actor=as_sender(sender), connection=connection_, upload=jpeg_upload(size=(800, 600))
        )
    assert "demasiados píxeles (800 x 600)" in str(spanish.value)
    assert (balance_of(sender), Photo.objects.count()) == (500, 0)


def test_at_most_photo_max_per_send(sender, connection_, settings):
    give_credits(sender, 5000)
    settings.PHOTO_MAX_PER_SEND = 2
    with pytest.raises(PhotoSendError, match="at most 2"):
        photo_send_many(
            actor=as_sender(sender),
            connection=connection_,
            uploads=[jpeg_upload() for _ in range(3)],
        )
    with pytest.raises(PhotoSendError, match="at least one"):
        photo_send_many(actor=as_sender(sender), connection=connection_, uploads=[])
    assert (balance_of(sender), Photo.objects.count()) == (5000, 0)


def test_only_over_an_approved_connection_to_an_active_inmate_with_photos_on(sender, connection_):
    give_credits(sender, 5000)
    other = UserFactory()
    with pytest.raises(PhotoSendError, match="connected"):
        photo_send(actor=as_sender(other), connection=connection_, upload=jpeg_upload())

    requested = ConnectionFactory(sender=UserFactory(), status=Connection.Status.REQUESTED)
    give_credits(requested.sender, 500)
    with pytest.raises(PhotoSendError, match="not approved"):
        photo_send(actor=as_sender(requested.sender), connection=requested, upload=jpeg_upload())

    inmate = connection_.inmate
    inmate.facility.photos_enabled = False
    inmate.facility.save()
    with pytest.raises(PhotoSendError, match="does not accept photos"):
        photo_send(actor=as_sender(sender), connection=connection_, upload=jpeg_upload())

    inmate.facility.photos_enabled = True
    inmate.facility.save()
    Inmate.objects.filter(pk=inmate.pk).update(status=Inmate.Status.RELEASED)
    with pytest.raises(PhotoSendError, match="no longer at"):
        photo_send(actor=as_sender(sender), connection=connection_, upload=jpeg_upload())
    assert (balance_of(sender), Photo.objects.count()) == (5000, 0)
    assert mail.outbox == []


def test_price_is_the_facilitys(sender, connection_, django_capture_on_commit_callbacks):
    facility = connection_.inmate.facility
    facility.photo_price = 175
    facility.save()
    give_credits(sender, 500)
    with django_capture_on_commit_callbacks(execute=True):
        photo = photo_send(actor=as_sender(sender), connection=connection_, upload=jpeg_upload())
    assert photo.price == 175
    assert balance_of(sender) == 325
