"""The scaled-out task backend: photos processed by an RQ worker on Redis.

Runs where Redis answers (``.ci/run`` sets KINFRAME_TEST_REDIS_URL, a database of its own); skipped
elsewhere. The worker is `kinframe worker` with RQ's SimpleWorker in burst mode, in this process,
so it sees the test database.
"""

import os
from unittest import mock

import pytest
from django.core.management import call_command
from django.test import override_settings

from kinframe.photos.models import Photo
from kinframe.photos.services import photo_send
from tests.actors import as_sender
from tests.factories import give_credits
from tests.photos.photo_helpers import jpeg_upload

REDIS_URL = os.environ.get("KINFRAME_TEST_REDIS_URL", "")


@pytest.fixture
def rq_backend(django_capture_on_commit_callbacks):
    if not REDIS_URL:
        pytest.skip(
            "needs Redis: set KINFRAME_TEST_REDIS_URL=redis://127.0.0.1:6379/15 (`.ci/run` does)"
        )
    import django_rq

    queues = {name: {"URL": REDIS_URL} for name in ("default", "photos", "email")}
    tasks = {
        "default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": list(queues)},
    }
    with override_settings(TASK_BACKEND="rq", TASKS=tasks, RQ_QUEUES=queues):
        connection = django_rq.get_connection("photos")
        connection.flushdb()
        yield django_rq
        connection.flushdb()


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_sent_photo_waits_in_redis_until_an_rq_worker_processes_it(rq_backend, connection_):
    give_credits(connection_.sender, 500)
    photo = photo_send(
        actor=as_sender(connection_.sender), connection=connection_, upload=jpeg_upload()
    )

    queue = rq_backend.get_queue("photos")
    assert queue.count == 1  # queued in Redis, not run in this process
    assert Photo.objects.get(pk=photo.pk).status == Photo.Status.RECEIVED

    # What `kinframe worker` runs on each host: RQ's SimpleWorker by default (no fork per job),
    # which also keeps the job in this process's test database.
    with mock.patch("rq.worker.Worker.fork_work_horse") as fork:
        call_command("worker", burst=True)
    fork.assert_not_called()
    assert queue.count == 0

    photo.refresh_from_db()
    assert photo.status == Photo.Status.PENDING_REVIEW
    assert photo.image
    assert photo.thumbnail
    assert not photo.original  # kept only until processing ends


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_an_rq_worker_requeues_a_photo_whose_worker_died(rq_backend, connection_):
    from datetime import timedelta

    from django.utils import timezone

    give_credits(connection_.sender, 500)
    photo = photo_send(
        actor=as_sender(connection_.sender), connection=connection_, upload=jpeg_upload()
    )
    rq_backend.get_connection("photos").flushdb()  # the job died with its worker
    dead = timezone.now() - timedelta(minutes=2)
    Photo.objects.filter(pk=photo.pk).update(claimed_at=dead, claim_heartbeat_at=dead)

    call_command("worker", burst=True)

    photo.refresh_from_db()
    assert photo.status == Photo.Status.PENDING_REVIEW
