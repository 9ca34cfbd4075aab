"""Sends that meet a failing queue, database or disk (issue 9, findings 3 and 4).

These need real commits (``transaction=True``): the bugs live in what happens at and after COMMIT.
"""

import errno
from unittest import mock

import pytest
from django.core.files.storage import FileSystemStorage
from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.urls import reverse
from django_tasks.backends.immediate import ImmediateBackend
from tests.actors import as_sender
from tests.factories import give_credits
from tests.photos.photo_helpers import balance_of, charges, jpeg_upload, stored_files

from kinframe.photos.models import Photo
from kinframe.photos.services import photo_send_many

pytestmark = pytest.mark.django_db(transaction=True)
XHR = {"HTTP_X_REQUESTED_WITH": "XMLHttpRequest"}
STORAGE_MESSAGE = (
    "We couldn't store your photos right now; nothing was charged. "
    "Please try again in a few minutes."
)


def send_url(connection) -> str:
    return reverse("sender:photo_send", kwargs={"connection_id": connection.pk})


def test_a_queue_failing_after_commit_keeps_the_charged_photos_files(
    client, sender, connection_, private_storage
):
    """Finding 3: the queue (Redis, or the task table) fails once the send has committed.

    Before the fix the send answered 500 and deleted the originals of photos it had charged.
    """
    give_credits(sender, 500)
    client.force_login(sender)
    queue_down = ConnectionError("queue down")
    with mock.patch.object(ImmediateBackend, "enqueue", side_effect=queue_down):
        response = client.post(send_url(connection_), {"photos": [jpeg_upload(), jpeg_upload()]})

    assert response.status_code == 302  # the send happened, and the sender is told so
    photos = list(Photo.objects.all())
    assert len(photos) == 2
    assert balance_of(sender) == 300
    for photo in photos:
        assert photo.status == Photo.Status.RECEIVED
        assert photo.original.storage.exists(photo.original.name)
    assert len(stored_files(private_storage)) == 2


def _commit_then_lose_the_answer(self):
    """COMMIT reached the server, but the connection dropped before its answer came back."""
    real_commit(self)
    raise OperationalError("server closed the connection unexpectedly")


def _lose_the_commit(self):
    """The connection dropped before COMMIT reached the server: the transaction rolled back."""
    self.rollback()
    raise OperationalError("server closed the connection unexpectedly")


real_commit = BaseDatabaseWrapper.commit


def test_a_commit_that_raised_after_committing_keeps_its_photos_and_queues_them(
    sender, connection_, private_storage
):
    give_credits(sender, 500)
    with mock.patch.object(BaseDatabaseWrapper, "commit", _commit_then_lose_the_answer):
        photos = photo_send_many(
            actor=as_sender(sender), connection=connection_, uploads=[jpeg_upload()]
        )
    photo = Photo.objects.get(pk=photos[0].pk)
    assert (balance_of(sender), charges(sender)) == (400, 1)
    # Processed (tests run tasks at once), so its files are the display and thumbnail.
    assert photo.status == Photo.Status.PENDING_REVIEW
    assert len(stored_files(private_storage)) == 2


def test_a_commit_that_never_happened_leaves_no_files_and_charges_nothing(
    client, sender, connection_, private_storage
):
    give_credits(sender, 500)
    client.force_login(sender)
    with mock.patch.object(BaseDatabaseWrapper, "commit", _lose_the_commit):
        response = client.post(send_url(connection_), {"photos": [jpeg_upload()]}, **XHR)
    assert response.status_code == 503
    assert response.json() == {"ok": False, "message": STORAGE_MESSAGE}
    assert (balance_of(sender), Photo.objects.count()) == (500, 0)
    assert stored_files(private_storage) == []


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EROFS])
def test_full_or_read_only_storage_answers_503_on_the_page_and_by_xhr(
    client, sender, connection_, private_storage, code
):
    """Finding 4: a full or read-only disk gave a 500 page, even to the XHR path."""
    give_credits(sender, 500)
    client.force_login(sender)
    failure = OSError(code, "No space left on device")
    with mock.patch.object(FileSystemStorage, "_save", side_effect=failure):
        page = client.post(send_url(connection_), {"photos": [jpeg_upload(), jpeg_upload()]})
        xhr = client.post(send_url(connection_), {"photos": [jpeg_upload()]}, **XHR)

    assert page.status_code == 503
    assert STORAGE_MESSAGE.replace("'", "&#x27;") in page.content.decode()
    assert xhr.status_code == 503
    assert xhr.json() == {"ok": False, "message": STORAGE_MESSAGE}
    assert (balance_of(sender), Photo.objects.count(), charges(sender)) == (500, 0, 0)
    assert stored_files(private_storage) == []


def test_when_nobody_can_tell_whether_the_send_committed_the_files_stay_and_the_sender_is_told(
    client, sender, connection_, private_storage
):
    give_credits(sender, 500)
    client.force_login(sender)
    with (
        mock.patch.object(BaseDatabaseWrapper, "commit", _lose_the_commit),
        mock.patch("kinframe.photos.sending._committed", return_value=None),
    ):
        response = client.post(send_url(connection_), {"photos": [jpeg_upload()]}, **XHR)
    assert response.status_code == 503
    assert "couldn't confirm" in response.json()["message"]
    assert "nothing was charged" not in response.json()["message"]
    # Kept for the orphan sweeper to judge once the database answers again.
    assert len(stored_files(private_storage)) == 1
