"""Investigators: facility or agency-wide, read-only; searching photos, a photo's story, exports."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from tests.actors import as_inmate, as_staff
from tests.factories import (
    ConnectionFactory,
    FacilityFactory,
    InmateFactory,
    PhotoFactory,
    StaffFactory,
    UserFactory,
)

from kinframe.audit.models import AuditEvent
from kinframe.audit.services import audit_log
from kinframe.facilities.models import AgencyMembership, StaffMembership
from kinframe.photos.models import Photo
from kinframe.photos.services import photo_approve, photo_record_view, photo_reject

pytestmark = pytest.mark.django_db


@pytest.fixture
def agency_investigator(facility):
    user = UserFactory(username="agency.eye")
    AgencyMembership.objects.create(user=user, agency=facility.agency)
    return user


@pytest.fixture
def sister(facility):
    """Another facility of the same agency."""
    return FacilityFactory(agency=facility.agency)


def _url(name, facility, *args):
    return reverse(f"console:{name}", args=[facility.code, *args])


def test_an_agency_investigator_reads_every_facility_of_the_agency_and_nothing_else(
    client, agency_investigator, facility, sister, other_facility, photo
):
    client.force_login(agency_investigator)
    for where in (facility, sister):
        for name in ("investigations", "reports", "audit", "photos"):
            assert client.get(_url(name, where)).status_code == 200, (name, where.code)
    assert client.get(_url("photo_detail", facility, photo.public_id)).status_code == 200
    # Nothing that decides or changes anything, and nothing of another agency.
    for name in ("review_queue", "connections", "settings", "staff", "kiosks"):
        assert client.get(_url(name, facility)).status_code == 404, name
    assert client.post(_url("photo_approve", facility, photo.public_id)).status_code == 404
    assert client.get(_url("investigations", other_facility)).status_code == 404
    photo.refresh_from_db()
    assert photo.status == Photo.Status.PENDING_REVIEW
    html = client.get(reverse("console:home")).content.decode()
    assert facility.name in html
    assert sister.name in html
    assert other_facility.name not in html


def test_a_facility_investigator_searches_but_cannot_decide(client, investigator, facility, photo):
    client.force_login(investigator)
    html = client.get(_url("photo_detail", facility, photo.public_id)).content.decode()
    assert 'data-testid="approve-button"' not in html
    assert client.post(_url("photo_approve", facility, photo.public_id)).status_code == 404
    assert client.get(_url("investigations", facility)).status_code == 200


def test_reviewers_and_strangers_do_not_get_investigations(client, reviewer, other_staff, facility):
    for user in (reviewer, other_staff):
        client.force_login(user)
        assert client.get(_url("investigations", facility)).status_code == 404


@pytest.fixture
def cases(facility, reviewer):
    """Photos to find: two senders, two people, decisions by the reviewer, hashes."""
    alice, bob = UserFactory(username="alice.k"), UserFactory(username="bob.m")
    ann = InmateFactory(facility=facility, first_name="Ann", last_name="Lee", number="Z100")
    joe = InmateFactory(facility=facility, first_name="Joe", last_name="Roe", number="Z200")
    made = {}
    for key, sender, inmate, days in [
        ("a_ann", alice, ann, 10), ("a_joe", alice, joe, 5), ("b_ann", bob, ann, 1),
    ]:  # fmt: skip
        photo = PhotoFactory(
            connection=ConnectionFactory(sender=sender, inmate=inmate), credits=100
        )
        Photo.objects.filter(pk=photo.pk).update(
            created_at=timezone.now() - timedelta(days=days), sha256=f"{key:0<8}".encode().hex()
        )
        made[key] = Photo.objects.get(pk=photo.pk)
    photo_approve(photo=made["a_ann"], actor=as_staff(reviewer))
    reason = facility.rejection_reasons.get()
    photo_reject(photo=made["a_joe"], actor=as_staff(reviewer), reason=reason)
    return made


def _found(client, facility, **query) -> set[str]:
    response = client.get(_url("investigations", facility), query)
    assert response.status_code == 200
    html = response.content.decode()
    return {key for key, value in _CASES.items() if str(value.public_id) in html}


_CASES: dict = {}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"sender": "alice"}, {"a_ann", "a_joe"}),
        ({"person": "Z100"}, {"a_ann", "b_ann"}),
        ({"person": "ann lee"}, {"a_ann", "b_ann"}),
        ({"decision": "approved"}, {"a_ann"}),
        ({"decision": "reason:policy"}, {"a_joe"}),
        ({"decision": "undecided"}, {"b_ann"}),
        ({"status": "pending_review"}, {"b_ann"}),
        ({"reviewer": "staff"}, {"a_ann", "a_joe"}),
        ({"sha256": "615f616e6e"}, {"a_ann"}),
        ({"sender": "alice", "person": "Z200"}, {"a_joe"}),
    ],
)
def test_search_finds_exactly_the_matching_photos(
    client, investigator, facility, cases, query, expected
):
    _CASES.clear()
    _CASES.update(cases)
    client.force_login(investigator)
    assert _found(client, facility, **query) == expected


def test_search_by_dates_uses_whole_days_at_the_facility(client, investigator, facility, cases):
    _CASES.clear()
    _CASES.update(cases)
    client.force_login(investigator)
    today = timezone.now().astimezone(timezone.get_current_timezone()).date()
    found = _found(
        client,
        facility,
        sent_from=(today - timedelta(days=7)).isoformat(),
        sent_to=(today - timedelta(days=2)).isoformat(),
    )
    assert found == {"a_joe"}


def test_nonsense_search_input_gets_a_message_not_an_error(client, investigator, facility):
    client.force_login(investigator)
    response = client.get(
        _url("investigations", facility),
        {"sha256": "zz", "sent_from": "2026-13-45", "decision": "explode"},
    )
    assert response.status_code == 200
    assert "hexadecimal" in response.content.decode()


def test_the_story_tells_every_event_and_view_in_order_including_new_kinds(
    client, investigator, facility, reviewer, photo
):
    photo_approve(photo=photo, actor=as_staff(reviewer))
    photo_record_view(photo=photo, actor=as_inmate(photo.inmate))
    audit_log("photo.stamped", actor=as_staff(reviewer), target=photo, data={"flag": "gang"})
    client.force_login(investigator)
    response = client.get(_url("investigation_story", facility, photo.public_id))
    html = response.content.decode()
    order = [html.index(f'data-action="{a}"') for a in ("photo.sent", "photo.approved")]
    assert order == sorted(order)
    assert html.count('data-action="photo.viewed"') == 1  # told once, not again from the audit
    assert "Photo stamped" in html
    assert "flag: gang" in html
    assert f"{photo.inmate.full_name} (#{photo.inmate.number}), the recipient" in html


def test_the_story_of_another_facilitys_photo_is_a_404(client, investigator, facility, other_photo):
    client.force_login(investigator)
    assert (
        client.get(_url("investigation_story", facility, other_photo.public_id)).status_code == 404
    )


def test_exporting_from_the_page_downloads_the_zip_and_audits_it(
    client, investigator, facility, connection_
):
    photos = [PhotoFactory(connection=connection_, status=Photo.Status.APPROVED) for _ in range(3)]
    client.force_login(investigator)
    response = client.post(
        _url("investigation_export", facility),
        {"photo": [str(photos[0].public_id), str(photos[2].public_id)], "case": "C-1"},
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert len([n for n in archive.namelist() if n.startswith("photos/")]) == 2
    assert AuditEvent.objects.filter(action="case.exported", actor_user=investigator).count() == 1


def test_an_agency_investigator_exports_across_facilities_when_searching_the_agency(
    client, agency_investigator, facility, sister
):
    here = PhotoFactory(connection=ConnectionFactory(inmate=InmateFactory(facility=facility)))
    there = PhotoFactory(connection=ConnectionFactory(inmate=InmateFactory(facility=sister)))
    client.force_login(agency_investigator)
    html = client.get(
        _url("investigations", facility), {"scope": "agency", "status": "pending_review"}
    ).content.decode()
    assert str(here.public_id) in html
    assert str(there.public_id) in html
    ids = [str(here.public_id), str(there.public_id)]
    response = client.post(
        _url("investigation_export", facility), {"photo": ids, "scope": "agency"}
    )
    assert response.status_code == 200
    # Without asking for the agency, the other facility's photo is refused and nothing is exported.
    refused = client.post(_url("investigation_export", facility), {"photo": ids})
    assert refused.status_code == 302
    assert AuditEvent.objects.filter(action="case.exported").count() == 1


def test_a_facility_investigator_cannot_search_the_agency(client, investigator, facility, sister):
    there = PhotoFactory(connection=ConnectionFactory(inmate=InmateFactory(facility=sister)))
    client.force_login(investigator)
    html = client.get(
        _url("investigations", facility), {"scope": "agency", "status": "pending_review"}
    ).content.decode()
    assert str(there.public_id) not in html


def test_an_export_with_nothing_ticked_comes_back_with_a_message(client, investigator, facility):
    client.force_login(investigator)
    response = client.post(
        _url("investigation_export", facility), {"back": "sender=x"}, follow=True
    )
    assert response.status_code == 200
    assert "Choose at least one photo" in response.content.decode()
    assert response.redirect_chain[-1][0].endswith("?sender=x")


def test_a_facility_membership_keeps_its_role_when_the_agency_membership_is_added(
    client, facility, photo
):
    reviewer = StaffFactory(facility=facility)
    AgencyMembership.objects.create(user=reviewer, agency=facility.agency)
    client.force_login(reviewer)
    assert client.get(_url("review_queue", facility)).status_code == 200
    assert client.get(_url("investigations", facility)).status_code == 200
    assert StaffMembership.objects.get(user=reviewer).role == StaffMembership.Role.REVIEWER


def test_the_search_finds_photos_by_flag_and_by_watch_list(client, investigator, facility):
    from kinframe.photos.models import PhotoFlag
    from kinframe.restrictions.models import WatchlistMatch
    from kinframe.restrictions.services import watchlist_entry_add

    connection = ConnectionFactory(inmate__facility=facility)
    coded, watched, plain = (PhotoFactory(connection=connection, credits=100) for _ in range(3))
    PhotoFlag.objects.create(photo=coded, facility=facility, kind=PhotoFlag.Kind.CODE)
    admin = StaffFactory(facility=facility, facility__role=StaffMembership.Role.ADMIN)
    entry = watchlist_entry_add(actor=as_staff(admin), facility=facility, email="x@example.org")
    WatchlistMatch.objects.create(photo=watched, entry=entry, facility=facility, matched_on="email")
    client.force_login(investigator)
    url = reverse("console:investigations", args=[facility.code])
    for flag, found in (("code", coded), ("watchlist", watched)):
        html = client.get(url, {"flag": flag}).content.decode()
        others = {coded, watched, plain} - {found}
        assert str(found.public_id) in html, flag
        assert not any(str(photo.public_id) in html for photo in others), flag
