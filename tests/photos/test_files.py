"""The orphan sweeper: stored files that no photo names are removed once they are an hour old."""

import os
import time
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.utils import timezone
from tests.actors import as_sender
from tests.factories import give_credits
from tests.photos.photo_helpers import jpeg_upload, stored_files

from kinframe.photos.files import photo_files_sweep_orphans
from kinframe.photos.services import photo_send

pytestmark = pytest.mark.django_db


def age(name: str, hours: float) -> None:
    then = time.time() - hours * 3600
    os.utime(default_storage.path(name), (then, then))


def test_old_unnamed_files_go_named_and_young_files_stay(
    sender, connection_, private_storage, django_capture_on_commit_callbacks
):
    give_credits(sender, 500)
    with django_capture_on_commit_callbacks(execute=True):
        processed = photo_send(
            actor=as_sender(sender), connection=connection_, upload=jpeg_upload()
        )
    waiting = photo_send(actor=as_sender(sender), connection=connection_, upload=jpeg_upload())
    orphan = default_storage.save("photos/orphan", ContentFile(b"left by a crash"))
    young = default_storage.save("photos/young", ContentFile(b"a send in progress"))
    processed.refresh_from_db()
    for name in (processed.image.name, processed.thumbnail.name, waiting.original.name, orphan):
        age(name, 2)

    assert photo_files_sweep_orphans() == 1
    remaining = {path.name for path in stored_files(private_storage)}
    assert "orphan" not in remaining
    assert "young" in remaining  # may belong to a send that has not committed yet
    for name in (processed.image.name, processed.thumbnail.name, waiting.original.name):
        assert default_storage.exists(name)

    # An hour later the young orphan goes too, by the command as well.
    age(young, 1.5)
    call_command("sweep_orphan_files")
    assert not default_storage.exists(young)
    assert len(stored_files(private_storage)) == 3


def test_an_empty_storage_is_fine(private_storage):
    assert photo_files_sweep_orphans(now=timezone.now() + timedelta(days=1)) == 0
