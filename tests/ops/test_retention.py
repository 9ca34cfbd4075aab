"""Retention: a facility's delivered photos lose their files after its retention period, except
photos an investigator holds; the record, its views and its ledger entries stay."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from kinframe.audit.models import AuditEvent
from kinframe.photos.models import Photo
from kinframe.photos.retention import photo_legal_hold_set, photos_purge_expired
from kinframe.photos.serving import photo_file_response
from tests.actors import as_operator
from tests.factories import DeliveredPhotoFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def photo_aged(connection_):
    """A photo over ``connection_`` delivered ``days`` days ago, with real files."""

    def make(days: float, *, status=Photo.Status.APPROVED, **fields) -> Photo:
        photo = DeliveredPhotoFactory(
            connection=connection_, status=status, reviewed_at=timezone.now() - timedelta(days=days)
        )
        Photo.objects.filter(pk=photo.pk).update(**fields)
        photo.refresh_from_db()
        return photo

    return make


def files_of(photo: Photo) -> list[str]:
    return [photo.image.name, photo.thumbnail.name]


def test_purges_delivered_photos_past_retention_and_keeps_the_rest(
    facility, photo_aged, django_capture_on_commit_callbacks
):
    facility.photo_retention_days = 30
    facility.save()
    expired = photo_aged(31)
    recent = photo_aged(29)
    held = photo_aged(400, legal_hold=True)
    waiting = photo_aged(90, status=Photo.Status.PENDING_REVIEW)
    expired_files = files_of(expired)

    with django_capture_on_commit_callbacks(execute=True):  # files go once the rows commit
        assert photos_purge_expired() == 1

    expired.refresh_from_db()
    assert not expired.image
    assert not expired.thumbnail
    assert expired.files_purged_at is not None
    assert expired.status == Photo.Status.APPROVED  # the record stays
    assert not any(default_storage.exists(name) for name in expired_files)
    for kept in (recent, held, waiting):
        kept.refresh_from_db()
        assert kept.files_purged_at is None
        assert all(default_storage.exists(name) for name in files_of(kept))
    event = AuditEvent.objects.get(action="photo.files_purged")
    assert event.target_id == str(expired.pk)
    assert event.data == {"retention_days": 30, "files": 2}

    assert photos_purge_expired() == 0  # nothing twice


def test_a_facility_without_retention_keeps_everything(facility, photo_aged):
    assert facility.photo_retention_days is None
    old = photo_aged(3650)
    assert photos_purge_expired() == 0
    assert all(default_storage.exists(name) for name in files_of(old))


def test_a_hold_placed_in_time_saves_the_files_and_releasing_it_lets_retention_act(
    facility, photo_aged
):
    facility.photo_retention_days = 7
    facility.save()
    photo = photo_aged(8)
    investigator = UserFactory(is_staff=True, is_superuser=True)
    photo_legal_hold_set(photo_id=photo.pk, held=True, actor=as_operator(investigator))
    assert photos_purge_expired() == 0
    assert AuditEvent.objects.filter(action="photo.legal_hold_placed").count() == 1

    photo_legal_hold_set(photo_id=photo.pk, held=False, actor=as_operator(investigator))
    assert photos_purge_expired() == 1


def test_purge_command_reports_and_a_purged_photo_is_no_longer_served(facility, photo_aged, client):
    facility.photo_retention_days = 1
    facility.save()
    photo = photo_aged(2)
    out = StringIO()
    call_command("purge_expired_photos", stdout=out)
    assert "1 photo(s)" in out.getvalue()
    photo.refresh_from_db()
    with pytest.raises(Http404, match="not ready"):
        photo_file_response(photo)


def test_operator_places_a_hold_from_the_admin(admin_client, photo_aged):
    photo = photo_aged(1)
    response = admin_client.post(
        reverse("admin:photos_photo_changelist"),
        {"action": "place_legal_hold", "_selected_action": [photo.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert "placed on legal hold" in response.content.decode()
    photo.refresh_from_db()
    assert photo.legal_hold is True
