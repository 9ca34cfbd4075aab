"""The touch kiosk's server side: new photos first, views recorded when a photo is shown (not when
it is fetched ahead), the pads on the forms, and what the signed-out screen says."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from tests.factories import PIN, DeliveredPhotoFactory, InmateFactory
from tests.kiosk.kiosk_helpers import kiosk_client, kiosk_screen

from kinframe.photos.models import PhotoView

pytestmark = pytest.mark.django_db

HOME = reverse("kiosk:home")
SIGN_IN = reverse("kiosk:sign_in")


def display(photo, **query):
    url = reverse("kiosk:photo_file", kwargs={"public_id": photo.public_id, "variant": "display"})
    return url + ("?ahead=1" if query.get("ahead") else "")


def shown(photo):
    return reverse("kiosk:photo_shown", kwargs={"public_id": photo.public_id})


@pytest.fixture
def owner(inmate):
    return kiosk_client(inmate)


@pytest.fixture
def three(connection_):
    """Delivered an hour apart: oldest, middle, newest."""
    now = timezone.now()
    return [
        DeliveredPhotoFactory(connection=connection_, reviewed_at=now - timedelta(hours=h))
        for h in (3, 2, 1)
    ]


def test_photos_not_opened_yet_come_first_with_a_badge(owner, inmate, three):
    oldest, middle, newest = three
    PhotoView.objects.create(photo=newest, viewer_kind="inmate", viewer_inmate=inmate)
    PhotoView.objects.create(  # another person's view of it does not make it seen
        photo=middle, viewer_kind="inmate", viewer_inmate=InmateFactory()
    )
    response = owner.get(HOME)
    assert [photo for photo, new in response.context["tiles"] if new] == [middle, oldest]
    assert list(response.context["page"].object_list) == [newest, middle, oldest]
    assert response.context["new_count"] == "2"
    html = response.content.decode()
    shown = re.findall(r'data-testid="gallery-photo" data-photo-id="([^"]+)"', html)
    assert shown == [str(p.public_id) for p in (middle, oldest, newest)]  # new first, once each
    assert html.count('data-testid="new-badge"') == 2
    assert '<span class="kiosk-badge" data-testid="new-count">2 new</span>' in html


def test_a_photo_fetched_ahead_is_not_a_view_until_it_is_shown(owner, inmate, three):
    oldest, middle, _ = three
    ahead = owner.get(display(oldest, ahead=True))
    assert ahead.status_code == 200
    assert "no-store" in ahead["Cache-Control"]
    assert not PhotoView.objects.exists()
    assert owner.get(HOME).context["new_count"] == "3"

    response = owner.post(shown(oldest))
    assert response.status_code == 200
    assert response.json()["newer"]["page"] == reverse(
        "kiosk:photo", kwargs={"public_id": middle.public_id}
    )
    assert response.json()["newer"]["ahead"] == display(middle, ahead=True)
    assert response.json()["older"] is None
    view = PhotoView.objects.get()
    assert (view.photo, view.viewer_inmate) == (oldest, inmate)


def test_the_viewer_page_points_its_arrows_at_pages_that_work_without_javascript(owner, three):
    oldest, middle, newest = three
    html = owner.get(reverse("kiosk:photo", kwargs={"public_id": middle.public_id})).content
    html = html.decode()
    for neighbour in (oldest, newest):
        assert f'href="/kiosk/photos/{neighbour.public_id}/"' in html
        assert f'data-ahead="{display(neighbour, ahead=True)}"' in html
    assert f'src="{display(middle)}"' in html


def test_nobody_else_can_mark_a_photo_shown(owner, facility, three):
    other = kiosk_client(InmateFactory(facility=facility))
    assert other.post(shown(three[0])).status_code == 404
    assert kiosk_screen(facility).post(shown(three[0])).status_code == 404
    assert owner.get(shown(three[0])).status_code == 405
    assert not PhotoView.objects.exists()


def test_sign_in_form_names_its_pads_and_still_works_as_plain_inputs(facility, inmate):
    screen = kiosk_screen(facility)
    html = screen.get(SIGN_IN).content.decode()
    assert 'data-pad="letters"' in html
    assert 'data-pad="digits"' in html
    assert 'data-testid="pad-letters"' in html
    assert " hidden>" in html  # the pads wait for kiosk.js; without it the inputs are all there
    response = screen.post(SIGN_IN, {"number": inmate.number.lower(), "pin": PIN})
    assert response["Location"] == HOME


@pytest.mark.parametrize(
    ("why", "said"),
    [
        ("idle", "You were signed out because the screen was not used."),
        ("time", "Your time is up."),
        ("", "You are signed out."),
    ],
)
def test_the_signed_out_screen_says_why(owner, why, said):
    response = owner.post(reverse("kiosk:sign_out"), {"why": why}, follow=True)
    assert response.redirect_chain[-1][0] == SIGN_IN
    html = response.content.decode()
    assert said in html
    assert 'data-testid="kiosk-who"' not in html
    assert owner.get(HOME)["Location"] == SIGN_IN
