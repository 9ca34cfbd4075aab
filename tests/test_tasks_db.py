"""The embedded task backend: a photo queued in the database waits for `kinframe worker`."""

import pytest
from django.core.management import call_command
from django.test import override_settings

from kinframe.photos.models import Photo
from kinframe.photos.services import photo_send
from tests.actors import as_sender
from tests.factories import give_credits
from tests.photos.photo_helpers import jpeg_upload

DATABASE_TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default", "photos", "email"],
    }
}


@pytest.mark.django_db(transaction=True)
def test_worker_processes_a_photo_queued_in_the_database(connection_):
    from django_tasks_db.models import DBTaskResult

    give_credits(connection_.sender, 500)
    with override_settings(TASK_BACKEND="database", TASKS=DATABASE_TASKS):
        photo = photo_send(
            actor=as_sender(connection_.sender), connection=connection_, upload=jpeg_upload()
        )
        assert Photo.objects.get(pk=photo.pk).status == Photo.Status.RECEIVED
        assert DBTaskResult.objects.filter(status="READY").count() == 1

        call_command("worker", burst=True)

    photo.refresh_from_db()
    assert photo.status == Photo.Status.PENDING_REVIEW
    assert DBTaskResult.objects.filter(status="SUCCESSFUL").count() == 1


@pytest.mark.django_db(transaction=True)
def test_worker_start_requeues_a_photo_its_predecessor_left_half_done(connection_):
    """A worker killed mid-photo loses nothing: the next worker to start picks the photo up."""
    from datetime import timedelta

    import time_machine

    give_credits(connection_.sender, 500)
    with override_settings(TASK_BACKEND="database", TASKS=DATABASE_TASKS):
        photo = photo_send(
            actor=as_sender(connection_.sender), connection=connection_, upload=jpeg_upload()
        )
        from django_tasks_db.models import DBTaskResult

        DBTaskResult.objects.all().delete()  # the queued job died with its worker
        Photo.objects.filter(pk=photo.pk).update(claimed_at=photo.created_at)
        with time_machine.travel(photo.created_at + timedelta(hours=1)):
            call_command("worker", burst=True)

    photo.refresh_from_db()
    assert photo.status == Photo.Status.PENDING_REVIEW
