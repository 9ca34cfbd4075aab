"""A case export holds exactly the chosen photos, and its manifests describe those very files."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile

import pytest

from kinframe.audit.models import AuditEvent
from kinframe.facilities.models import StaffMembership
from kinframe.investigations.exports import CaseExportError, case_export
from kinframe.photos.models import Photo
from tests.actors import as_staff
from tests.factories import ConnectionFactory, InmateFactory, PhotoFactory, StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def investigator(facility):
    return StaffFactory(facility=facility, facility__role=StaffMembership.Role.INVESTIGATOR)


@pytest.fixture
def photos(connection_):
    made = [PhotoFactory(connection=connection_, status=Photo.Status.APPROVED) for _ in range(4)]
    for photo in made:
        photo.sha256 = hashlib.sha256(photo.image.read()).hexdigest()
        photo.save(update_fields=["sha256"])
    return made


def test_the_zip_holds_exactly_the_chosen_photos_and_a_manifest_that_matches(
    facility, investigator, photos
):
    chosen = [photos[0], photos[2], photos[3]]
    export = case_export(
        actor=as_staff(investigator),
        facilities=[facility],
        photo_ids=[str(p.public_id) for p in chosen],
        case="2026-CR-0042",
    )
    archive = zipfile.ZipFile(io.BytesIO(export.file.read()))
    images = sorted(n for n in archive.namelist() if n.startswith("photos/"))
    assert images == sorted(f"photos/{p.public_id}.jpg" for p in chosen)
    assert set(archive.namelist()) == {*images, "manifest.csv", "manifest.json"}

    as_json = json.loads(archive.read("manifest.json"))
    as_csv = list(csv.DictReader(io.StringIO(archive.read("manifest.csv").decode())))
    assert as_json["case"] == "2026-CR-0042"
    assert {e["photo_id"] for e in as_json["photos"]} == {str(p.public_id) for p in chosen}
    assert [row["photo_id"] for row in as_csv] == [e["photo_id"] for e in as_json["photos"]]
    by_id = {str(p.public_id): p for p in chosen}
    for entry, row in zip(as_json["photos"], as_csv, strict=True):
        photo = by_id[entry["photo_id"]]
        data = archive.read(entry["file"])
        photo.image.open("rb")
        assert data == photo.image.read()  # the delivered image, byte for byte
        assert entry["file_sha256"] == row["file_sha256"] == hashlib.sha256(data).hexdigest()
        assert entry["photo_sha256"] == photo.sha256
        assert entry["recipient_number"] == photo.inmate.number
        assert row["sender"] == entry["sender"] == photo.sender.username


def test_the_export_is_in_the_audit_trail_and_in_each_photos_story(facility, investigator, photos):
    case_export(
        actor=as_staff(investigator),
        facilities=[facility],
        photo_ids=[str(photos[1].public_id)],
        case="case 7",
    )
    case = AuditEvent.objects.get(action="case.exported")
    assert case.facility == facility
    assert case.actor_user == investigator
    assert case.data["photos"] == 1
    exported = AuditEvent.objects.get(action="photo.exported")
    assert exported.target_id == str(photos[1].pk)


def test_a_photo_of_another_facility_cannot_be_slipped_into_a_case(facility, investigator, photos):
    elsewhere = PhotoFactory(connection=ConnectionFactory(inmate=InmateFactory()))
    with pytest.raises(CaseExportError):
        case_export(
            actor=as_staff(investigator),
            facilities=[facility],
            photo_ids=[str(photos[0].public_id), str(elsewhere.public_id)],
        )
    assert not AuditEvent.objects.filter(action__endswith="exported").exists()


@pytest.mark.parametrize("ids", [[], ["not-a-uuid"], ["0" * 32]])
def test_an_empty_or_nonsense_selection_is_refused(facility, investigator, ids):
    with pytest.raises(CaseExportError):
        case_export(actor=as_staff(investigator), facilities=[facility], photo_ids=ids)


def test_a_photo_without_files_is_listed_without_an_image(facility, investigator, connection_):
    failed = PhotoFactory(connection=connection_, status=Photo.Status.FAILED)
    export = case_export(
        actor=as_staff(investigator), facilities=[facility], photo_ids=[str(failed.public_id)]
    )
    archive = zipfile.ZipFile(io.BytesIO(export.file.read()))
    assert archive.namelist() == ["manifest.csv", "manifest.json"]
    assert json.loads(archive.read("manifest.json"))["photos"][0]["file"] == ""
