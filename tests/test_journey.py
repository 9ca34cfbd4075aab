"""The whole journey through the web, every role doing its part, with every balance checked.

A new sender signs up and verifies by email code, finds a person and asks to connect; the person
approves at the kiosk; the sender buys 500 credits with the sandbox card and sends two real camera
photos; a reviewer approves one and rejects the other; the credits of the rejected one come back; the
recipient opens the delivered photo twice; nobody else can fetch it.
"""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from kinframe.connections.models import Connection
from kinframe.credits.selectors import balance_of, ledger_problems
from kinframe.photos.models import Photo, PhotoView
from tests.accounts.helpers import latest_code
from tests.factories import InmateFactory, StaffFactory, UserFactory
from tests.kiosk.kiosk_helpers import kiosk_client
from tests.payments.payment_helpers import card_form

FIXTURES = Path(__file__).parent / "fixtures" / "photos"
pytestmark = pytest.mark.django_db


def camera_photo(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, (FIXTURES / name).read_bytes(), content_type="image/jpeg")


def test_the_whole_journey(facility, django_capture_on_commit_callbacks):
    person = InmateFactory(facility=facility, first_name="Marcus", last_name="Hill")
    reviewer = StaffFactory(facility=facility)
    sender = Client()

    # 1. Sign up; nothing works until the emailed code is entered.
    with django_capture_on_commit_callbacks(execute=True):
        response = sender.post(
            "/accounts/signup/",
            {
                "username": "grace",
                "email": "grace@example.com",
                "password1": "a long family passphrase 42",
                "password2": "a long family passphrase 42",
            },
        )
    assert response.status_code == 302
    assert sender.get(reverse("sender:home")).status_code == 302
    code = latest_code("grace@example.com")
    response = sender.post(reverse("account_email_verification_sent"), {"code": code})
    assert response["Location"] == reverse("sender:home")
    home = sender.get(reverse("sender:home"))
    assert home.status_code == 200
    assert home.context["balance"] == 0

    # 2. Find the person by facility and name; ask to connect.
    results = sender.get(reverse("sender:search"), {"facility": facility.pk, "q": "Hill"})
    assert person.full_name in results.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        sender.post(reverse("sender:connection_request"), {"inmate": person.pk})
    connection = Connection.objects.get(inmate=person)
    assert connection.status == Connection.Status.REQUESTED

    # 3. The person approves at the kiosk; the sender sees it.
    kiosk = kiosk_client(person)
    assert "grace" in kiosk.get(reverse("kiosk:home")).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        kiosk.post(reverse("kiosk:connection_approve", args=[connection.pk]))
    page = sender.get(reverse("sender:connections")).content.decode()
    assert 'data-testid="connection-status"' in page
    assert "Approved" in page or "approved" in page

    # 4. Buy 500 credits with the sandbox's test card.
    hosted = sender.post(reverse("sender:credits"), {"pack": "500"})["Location"]
    assert "TEST MODE" in sender.get(hosted).content.decode().upper()
    with django_capture_on_commit_callbacks(execute=True):
        sender.post(hosted, card_form())
    assert sender.get(reverse("sender:home")).context["balance"] == 500
    assert any("receipt" in m.subject.lower() for m in mail.outbox)

    # 5. Send two real camera photos; each costs the facility's price, taken at once.
    send_url = reverse("sender:photo_send", kwargs={"connection_id": connection.pk})
    assert f"{facility.photo_price}" in sender.get(send_url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = sender.post(
            send_url,
            {"photos": [camera_photo("Canon_40D.jpg"), camera_photo("gps_DSCN0010.jpg")]},
        )
    assert response.status_code == 302
    photos = list(Photo.objects.filter(sender__username="grace").order_by("pk"))
    assert [p.status for p in photos] == [Photo.Status.PENDING_REVIEW] * 2
    assert balance_of(photos[0].sender) == 300

    # 6. The reviewer sees them oldest first, approves one and rejects the other with a reason.
    staff = Client()
    staff.force_login(reviewer)
    queue = staff.get(reverse("console:review_queue", args=[facility.code])).content.decode()
    assert queue.index(str(photos[0].public_id)) < queue.index(str(photos[1].public_id))
    reason = facility.rejection_reasons.get()
    # A decision needs the photo on the reviewer's screen for a moment: they look for a second.
    with (
        time_machine.travel(datetime.now(UTC) + timedelta(seconds=1)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        staff.post(reverse("console:photo_approve", args=[facility.code, photos[0].public_id]))
        staff.post(
            reverse("console:photo_reject", args=[facility.code, photos[1].public_id]),
            {"reason": reason.pk},
        )
    assert balance_of(photos[0].sender) == 400  # bought 500, sent 2 x 100, 1 refunded

    # The sender sees each status, the reason, the refund, and gets an email.
    history = sender.get(reverse("sender:photos")).content.decode()
    assert escape(reason.sender_message) in history
    assert "100 credits refunded" in history
    assert any(reason.sender_message in m.body for m in mail.outbox if "grace@" in m.to[0])
    assert sender.get(reverse("sender:home")).context["balance"] == 400

    # 7. The person opens the delivered photo as often as they like; each view is recorded.
    delivered = photos[0]
    file_url = reverse(
        "kiosk:photo_file", kwargs={"public_id": delivered.public_id, "variant": "display"}
    )
    for _ in range(2):
        assert (
            kiosk.get(reverse("kiosk:photo", kwargs={"public_id": delivered.public_id})).status_code
            == 200
        )
        response = kiosk.get(file_url)
        assert response.status_code == 200
        assert response["Content-Type"] == "image/jpeg"
        assert response["Cache-Control"] == "private, no-store"
    assert PhotoView.objects.filter(photo=delivered, viewer_inmate=person).count() == 2

    # Nobody else can fetch it: the rejected photo is not on the kiosk; others get 404 or a sign-in.
    rejected_url = reverse(
        "kiosk:photo_file", kwargs={"public_id": photos[1].public_id, "variant": "display"}
    )
    assert kiosk.get(rejected_url).status_code == 404
    other_inmate = kiosk_client(InmateFactory(facility=facility))
    assert other_inmate.get(file_url).status_code == 404
    other_sender = Client()
    other_sender.force_login(UserFactory())
    assert other_sender.get(file_url).status_code == 403  # not a kiosk: the not-enrolled page
    assert Client().get(file_url).status_code == 403
    other_staff = Client()
    other_staff.force_login(StaffFactory(facility=InmateFactory().facility))
    assert (
        other_staff.get(
            reverse("console:photo_file", args=[facility.code, delivered.public_id, "display"])
        ).status_code
        == 404
    )

    assert ledger_problems() == []
