"""What a tablet vendor's system can do for the people at its facilities, and nothing more."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from tests.actors import SYSTEM
from tests.api.vendor_helpers import Tablet, delivered_photo
from tests.factories import ConnectionFactory, FacilityFactory, InmateFactory, UserFactory

from kinframe.api.models import ApiClient, Scope
from kinframe.api.services import api_client_create, api_client_revoke, api_client_rotate_secret
from kinframe.audit.models import AuditEvent
from kinframe.connections.models import Connection
from kinframe.photos.models import Photo, PhotoView

pytestmark = pytest.mark.django_db


def ids(response) -> list[str]:
    return [item["id"] for item in response.json()["items"]]


def test_listing_a_persons_delivered_photos_pages_by_cursor_and_then_shows_only_new_ones(
    tablet, person, family, django_assert_num_queries
):
    start = timezone.now() - timedelta(hours=5)
    photos = [delivered_photo(family, reviewed_at=start + timedelta(minutes=i)) for i in range(5)]
    delivered_photo(family, status=Photo.Status.PENDING_REVIEW)  # not delivered: never listed
    url = tablet.person(person) + "/photos"

    with django_assert_num_queries(4):  # client, last-used stamp, person, page
        first = tablet.get(url, {"limit": 2})
    assert first.status_code == 200
    assert ids(first) == [str(p.public_id) for p in photos[:2]]
    assert first.json()["has_more"] is True
    item = first.json()["items"][0]
    assert item["sender_name"] == "Grace Hopper"
    assert item["relationship"] == "aunt"
    assert item["sha256"] == photos[0].sha256

    second = tablet.get(url, {"limit": 2, "cursor": first.json()["next_cursor"]})
    third = tablet.get(url, {"limit": 2, "cursor": second.json()["next_cursor"]})
    assert ids(second) + ids(third) == [str(p.public_id) for p in photos[2:]]
    assert third.json()["has_more"] is False

    # Polling with the last cursor finds nothing, then exactly the newly delivered photo.
    last = third.json()["next_cursor"]
    assert ids(tablet.get(url, {"cursor": last})) == []
    new = delivered_photo(family)
    assert ids(tablet.get(url, {"cursor": last})) == [str(new.public_id)]
    assert ids(tablet.get(url, {"since": photos[3].reviewed_at.isoformat()})) == [
        str(photos[4].public_id),
        str(new.public_id),
    ]


@pytest.mark.parametrize("cursor", ["nonsense", "W1siMjAyNiJdXQ:1abc:def", "x" * 400])
def test_a_cursor_kinframe_did_not_give_is_422(tablet, person, cursor):
    response = tablet.get(tablet.person(person) + "/photos", {"cursor": cursor})
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"


def test_the_image_and_thumbnail_are_private_with_a_sha256_etag_and_304(tablet, person, family):
    photo = delivered_photo(family)
    url = f"{tablet.person(person)}/photos/{photo.public_id}"
    image = tablet.get(url + "/image")
    assert image.status_code == 200
    assert image["Content-Type"] == "image/jpeg"
    assert image["ETag"] == f'"sha256-{photo.sha256}"'
    assert image["Cache-Control"].startswith("private")
    assert b"".join(image.streaming_content)[:2] == b"\xff\xd8"

    again = tablet.get(url + "/image", **{"If-None-Match": image["ETag"]})
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == image["ETag"]
    assert tablet.get(url + "/image", **{"If-None-Match": '"sha256-other"'}).status_code == 200

    thumb = tablet.get(url + "/thumbnail")
    assert thumb.status_code == 200
    assert thumb["ETag"] != image["ETag"]
    assert tablet.get(url + "/thumbnail", **{"If-None-Match": thumb["ETag"]}).status_code == 304
    assert not PhotoView.objects.exists()  # fetching is not viewing


def test_recording_a_view_writes_the_same_photoview_as_the_kiosk_naming_the_device(
    tablet, vendor, person, family
):
    photo = delivered_photo(family)
    url = f"{tablet.person(person)}/photos/{photo.public_id}/views"
    response = tablet.post(url, {"device_id": "tab-0042"}, **{"Idempotency-Key": "v1"})
    assert response.status_code == 201
    assert response.json()["device_id"] == "tab-0042"
    again = tablet.post(url, {"device_id": "tab-0042"}, **{"Idempotency-Key": "v1"})
    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"

    view = PhotoView.objects.get()
    assert view.viewer_kind == PhotoView.ViewerKind.INMATE
    assert view.viewer_inmate == person
    assert view.user_agent == "api:TabletCo device:tab-0042"
    event = AuditEvent.objects.get(action="photo.viewed")
    assert event.actor_kind == "api_client"

    assert tablet.post(url, {"device_id": ""}).status_code == 422
    assert tablet.post(url, {"device_id": "t", "variant": "original"}).status_code == 422
    assert PhotoView.objects.count() == 1


def test_a_client_scoped_to_facility_a_cannot_reach_facility_b(client, agency, jail, annex, family):
    """The vendor serves the jail only: the annex's people and photos are 404, like nobody."""
    elsewhere = InmateFactory(facility=annex, number="B200")
    their_photo = delivered_photo(ConnectionFactory(inmate=elsewhere))
    own_photo = delivered_photo(family)
    tablet = Tablet(
        client,
        api_client_create(
            agency=agency, name="T", actor=SYSTEM, kind="tablet_vendor", facilities=[jail]
        )[1],
    )
    base = tablet.person(elsewhere)
    for path in [
        "/photos",
        f"/photos/{their_photo.public_id}",
        f"/photos/{their_photo.public_id}/image",
        f"/photos/{their_photo.public_id}/thumbnail",
        "/connections",
    ]:
        response = tablet.get(base + path)
        assert response.status_code == 404, path
        assert response["Content-Type"] == "application/problem+json"
    assert (
        tablet.post(base + f"/photos/{their_photo.public_id}/views", {"device_id": "t"}).status_code
        == 404
    )
    # Another person's photo through one's own person is 404 too.
    mine = tablet.person(family.inmate)
    assert tablet.get(f"{mine}/photos/{their_photo.public_id}/image").status_code == 404
    assert tablet.get(f"{mine}/photos/{own_photo.public_id}/image").status_code == 200
    # Naming the person under the facility they are not at is 404.
    assert (
        tablet.get(f"/api/v1/facilities/annex/people/{family.inmate.number}/photos").status_code
        == 404
    )


def test_another_agencys_facility_cannot_be_given_to_a_client(agency):
    other = FacilityFactory()
    with pytest.raises(ValueError, match="own agency"):
        api_client_create(
            agency=agency, name="T", actor=SYSTEM, kind="tablet_vendor", facilities=[other]
        )


def test_a_released_person_is_no_longer_reachable(tablet, person, family):
    delivered_photo(family)
    person.status = person.Status.RELEASED
    person.save()
    assert tablet.get(tablet.person(person) + "/photos").status_code == 404


@pytest.mark.parametrize(
    ("scope", "method", "path"),
    [
        (Scope.PHOTOS_READ, "get", "/photos"),
        (Scope.PHOTOS_VIEW, "post", "/photos/{photo}/views"),
        (Scope.CONNECTIONS_READ, "get", "/connections"),
        (Scope.CONNECTIONS_DECIDE, "post", "/connections/{connection}/approve"),
    ],
)
def test_each_operation_needs_its_scope(client, agency, jail, person, family, scope, method, path):
    photo = delivered_photo(family)
    request = ConnectionFactory(inmate=person, status=Connection.Status.REQUESTED)
    path = path.format(photo=photo.public_id, connection=request.pk)
    for scopes, expected in [
        (set(ApiClient.DEFAULT_SCOPES["tablet_vendor"]) - {scope}, 403),
        ({scope}, {"get": 200, "post": 201 if "views" in path else 200}[method]),
    ]:
        token = api_client_create(
            agency=agency, name="T", actor=SYSTEM, kind="tablet_vendor",
            facilities=[jail], scopes=scopes,
        )[1]  # fmt: skip
        tablet = Tablet(client, token)
        url = tablet.person(person) + path
        response = (
            tablet.get(url)
            if method == "get"
            else tablet.post(url, {"device_id": "t"} if "views" in path else None)
        )
        assert response.status_code == expected, (scopes, response.content)


def test_a_tablet_vendor_cannot_use_the_roster_feed(tablet, person):
    assert tablet.get("/api/v1/inmates").status_code == 403
    assert tablet.post("/api/v1/inmates/A100/release").status_code == 403
    person.refresh_from_db()
    assert person.status == person.Status.ACTIVE


def test_listing_and_deciding_connection_requests_for_the_person(tablet, person, family):
    asking = ConnectionFactory(
        inmate=person, status=Connection.Status.REQUESTED, sender=UserFactory(username="bob")
    )
    declining = ConnectionFactory(inmate=person, status=Connection.Status.REQUESTED)
    base = tablet.person(person) + "/connections"
    requests = tablet.get(base, {"status": "requested"}).json()["items"]
    assert [c["id"] for c in requests] == [asking.pk, declining.pk]
    assert requests[0]["sender_name"] == "bob"
    assert {c["id"] for c in tablet.get(base).json()["items"]} == {
        family.pk,
        asking.pk,
        declining.pk,
    }

    approved = tablet.post(f"{base}/{asking.pk}/approve")
    assert approved.status_code == 200
    assert approved.json()["status"] == "approved"
    assert tablet.post(f"{base}/{declining.pk}/decline").json()["status"] == "declined"
    again = tablet.post(f"{base}/{asking.pk}/decline")
    assert again.status_code == 409
    assert "already answered" in again.json()["detail"]
    assert tablet.post(f"{base}/{family.pk}/end").json()["status"] == "ended"
    assert tablet.post(f"{base}/{family.pk}/maybe").status_code == 422

    asking.refresh_from_db()
    assert asking.status == Connection.Status.APPROVED
    event = AuditEvent.objects.get(action="connection.approved")
    assert (event.actor_kind, event.actor_label) == ("api_client", "api:TabletCo")


def test_someone_elses_connection_is_404(tablet, person, jail):
    other = ConnectionFactory(
        inmate=InmateFactory(facility=jail), status=Connection.Status.REQUESTED
    )
    response = tablet.post(f"{tablet.person(person)}/connections/{other.pk}/approve")
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.status == Connection.Status.REQUESTED


def test_a_revoked_client_gets_401(tablet, vendor, person):
    url = tablet.person(person) + "/photos"
    assert tablet.get(url).status_code == 200
    api_client_revoke(client=vendor[0], actor=SYSTEM)
    response = tablet.get(url)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


def test_a_rotated_secret_works_for_the_grace_period_then_gets_401(client, vendor, person):
    api_client, old = vendor
    url = Tablet(client, old).person(person) + "/photos"
    with time_machine.travel(timezone.now(), tick=False) as clock:
        _, new = api_client_rotate_secret(client=api_client, actor=SYSTEM, grace=timedelta(hours=1))
        assert Tablet(client, old).get(url).status_code == 200
        assert Tablet(client, new).get(url).status_code == 200
        clock.shift(timedelta(hours=1, seconds=1))
        assert Tablet(client, old).get(url).status_code == 401
        assert Tablet(client, new).get(url).status_code == 200
    # A second rotation ends the first one's old secret at once; revoking ends them all.
    _, newer = api_client_rotate_secret(client=api_client, actor=SYSTEM)
    assert Tablet(client, new).get(url).status_code == 200
    api_client_revoke(client=api_client, actor=SYSTEM)
    assert Tablet(client, new).get(url).status_code == 401
    assert Tablet(client, newer).get(url).status_code == 401
    assert AuditEvent.objects.filter(action="api_client.secret_rotated").count() == 2
