"""`kinframe backup` and `kinframe restore`: back up, lose everything, restore, and find every row
and every photo byte as it was. Runs on SQLite and, under `.ci/run`, on PostgreSQL."""

import hashlib
import tarfile
from io import StringIO

import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command

from kinframe.audit.models import AuditEvent
from kinframe.credits.models import LedgerEntry, Wallet
from kinframe.facilities.models import Facility, Inmate
from kinframe.ops.backup import storage_names
from kinframe.photos.models import Photo, PhotoView
from kinframe.photos.services import photo_approve, photo_record_view
from tests.actors import as_inmate, as_staff
from tests.factories import DeliveredPhotoFactory, StaffFactory, give_credits

pytestmark = pytest.mark.django_db(transaction=True)

MODELS = (Facility, Inmate, Photo, PhotoView, Wallet, LedgerEntry, AuditEvent)


def snapshot() -> dict:
    """Every row of the models that matter, and every stored file's digest."""
    rows = {model.__name__: sorted(model.objects.values_list()) for model in MODELS}
    files = {}
    for name in storage_names():
        with default_storage.open(name, "rb") as stream:
            files[name] = hashlib.sha256(stream.read()).hexdigest()
    return {"rows": rows, "files": files}


@pytest.fixture
def delivered(connection_):
    give_credits(connection_.sender, 700)
    photo = DeliveredPhotoFactory(connection=connection_, status=Photo.Status.PENDING_REVIEW)
    photo_approve(photo=photo, actor=as_staff(StaffFactory(facility=connection_.inmate.facility)))
    photo_record_view(photo=photo, actor=as_inmate(connection_.inmate))
    DeliveredPhotoFactory(connection=connection_, status=Photo.Status.PENDING_REVIEW)
    return photo


def wipe() -> None:
    for name in list(storage_names()):
        default_storage.delete(name)
    PhotoView.objects.all().delete()
    Photo.objects.all().delete()
    LedgerEntry.objects.all().delete()
    Facility.objects.update(name="Overwritten")


@pytest.mark.parametrize("suffix", [".tar", ".tar.gz"])
def test_round_trip_restores_every_row_and_every_photo_byte(delivered, tmp_path, suffix):
    before = snapshot()
    assert len(before["files"]) == 4
    assert before["rows"]["PhotoView"]
    archive = tmp_path / f"kinframe{suffix}"
    out = StringIO()
    call_command("backup", str(archive), stdout=out)
    assert "4 file(s)" in out.getvalue()

    wipe()
    assert snapshot() != before

    call_command("restore", str(archive), interactive=False, stdout=StringIO())
    assert snapshot() == before


def test_a_damaged_archive_is_refused_before_anything_changes(delivered, tmp_path):
    archive = tmp_path / "kinframe.tar"
    call_command("backup", str(archive), stdout=StringIO())
    with tarfile.open(archive) as opened:
        photo_member = next(m for m in opened.getmembers() if m.name.startswith("files/"))
    data = bytearray(archive.read_bytes())
    data[photo_member.offset_data + 100] ^= 0xFF  # one flipped bit in one photo
    archive.write_bytes(bytes(data))

    wipe()
    after_wipe = snapshot()
    with pytest.raises(CommandError, match="damaged"):
        call_command("restore", str(archive), interactive=False, stdout=StringIO())
    assert snapshot() == after_wipe


def test_backup_folder_gets_a_dated_name_and_never_overwrites(delivered, tmp_path):
    call_command("backup", str(tmp_path), stdout=StringIO())
    (made,) = tmp_path.glob("kinframe-*.tar")
    with pytest.raises(CommandError, match="exists"):
        call_command("backup", str(made), stdout=StringIO())


def test_restore_refuses_a_file_that_is_not_a_backup(db, tmp_path):
    bogus = tmp_path / "bogus.tar"
    with tarfile.open(bogus, "w") as archive:
        archive.add(__file__, arcname="notes.py")
    with pytest.raises(CommandError, match="manifest"):
        call_command("restore", str(bogus), interactive=False, stdout=StringIO())
