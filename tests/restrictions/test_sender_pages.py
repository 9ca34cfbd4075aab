"""A blocked sender is told plainly, before paying, on the search, connect and send pages; the
staff's reason never reaches them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from kinframe.facilities.models import StaffMembership
from kinframe.photos.models import Photo
from kinframe.restrictions.services import block_create, suspension_create
from tests.actors import as_staff
from tests.factories import InmateFactory, StaffFactory, give_credits
from tests.photos.photo_helpers import balance_of, jpeg_upload

NOTES = "Investigator notes: gang contact, case 24-117"


@pytest.fixture
def admin(facility):
    return StaffFactory(facility=facility, facility__role=StaffMembership.Role.ADMIN)


@pytest.fixture
def browser(client, sender):
    client.force_login(sender)
    return client


def test_search_connect_and_send_say_so_before_paying(
    browser, admin, facility, sender, connection_
):
    stranger = InmateFactory(facility=facility, last_name=connection_.inmate.last_name)
    give_credits(sender, 500)
    block_create(
        actor=as_staff(admin), facility=facility, sender=sender, scope="facility", reason=NOTES
    )

    found = browser.get(
        reverse("sender:search"), {"facility": facility.pk, "q": stranger.last_name}
    )
    assert found.content.count(b'data-testid="restriction"') == 2
    assert b'data-testid="request-connection"' not in found.content
    assert b"24-117" not in found.content

    asked = browser.post(
        reverse("sender:connection_request"), {"inmate": stranger.pk, "facility": facility.pk}
    )
    assert asked.status_code == 409
    assert b"cannot contact" in asked.content

    send_page = browser.get(reverse("sender:photo_send", args=[connection_.pk]))
    assert b'data-testid="cannot-send"' in send_page.content
    assert b'data-testid="send-form"' not in send_page.content
    assert b"cannot contact" in send_page.content
    assert b"24-117" not in send_page.content

    sent = browser.post(
        reverse("sender:photo_send", args=[connection_.pk]), {"photos": [jpeg_upload()]}
    )
    assert sent.status_code == 400
    assert b"nothing has been charged" in sent.content
    assert balance_of(sender) == 500
    assert not Photo.objects.exists()


def test_a_suspension_shows_its_end_date_on_the_send_page(browser, admin, connection_):
    ends = timezone.now() + timedelta(days=10)
    suspension_create(actor=as_staff(admin), inmate=connection_.inmate, ends_at=ends, reason=NOTES)
    page = browser.get(reverse("sender:photo_send", args=[connection_.pk]))
    assert b"cannot receive photos until" in page.content
    assert b"24-117" not in page.content


def test_blocking_from_the_console_page(client, admin, facility, sender, connection_):
    client.force_login(admin)
    response = client.post(
        reverse("console:block_new", args=[facility.code]),
        {
            "sender": sender.email.upper(),
            "scope": "person",
            "inmate": connection_.inmate.number,
            "reason": NOTES,
            "ends_on": (timezone.localdate() + timedelta(days=30)).isoformat(),
        },
    )
    assert response.status_code == 302
    listing = client.get(reverse("console:blocks", args=[facility.code]))
    assert sender.get_username().encode() in listing.content
    # A sender nobody can pin down, or a past end date, is a form error, not a block.
    for bad in ({"sender": "nobody@example.org"}, {"ends_on": "2001-01-01"}):
        form = {"sender": sender.username, "scope": "facility", "reason": "r", **bad}
        assert (
            client.post(reverse("console:block_new", args=[facility.code]), form).status_code == 400
        )
