"""Times show in the reader's zone: the sender's browser zone, the facility's zone on the kiosk."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from kinframe.photos.models import Photo
from tests.factories import PhotoFactory
from tests.kiosk.kiosk_helpers import kiosk_client

pytestmark = pytest.mark.django_db
SENT = datetime(2026, 11, 26, 1, 30, tzinfo=UTC)


@pytest.fixture
def sent_photo(connection_):
    photo = PhotoFactory(
        connection=connection_, charged=True, status=Photo.Status.APPROVED, credits=500
    )
    Photo.objects.filter(pk=photo.pk).update(created_at=SENT, reviewed_at=SENT)
    return photo


@pytest.mark.parametrize(
    ("cookie", "shown"),
    [
        ("America/New_York", "Nov 25, 2026, 20:30"),
        ("Europe/Berlin", "Nov 26, 2026, 02:30"),
        ("Not/AZone", "Nov 26, 2026, 01:30"),  # ignored: the server's zone (UTC)
    ],
)
def test_sender_sees_times_in_their_browsers_zone(client, sender, sent_photo, cookie, shown):
    client.force_login(sender)
    client.cookies["tz"] = cookie
    assert shown in client.get(reverse("sender:photos")).content.decode()


def test_the_kiosk_shows_the_facilitys_date_whatever_the_browser_says(sent_photo):
    facility = sent_photo.facility
    facility.time_zone = "America/Chicago"
    facility.save()
    kiosk = kiosk_client(sent_photo.inmate)
    kiosk.cookies["tz"] = "Asia/Tokyo"
    html = kiosk.get(reverse("kiosk:home")).content.decode()
    assert "Nov 25" in html
    assert "Nov 26" not in html
