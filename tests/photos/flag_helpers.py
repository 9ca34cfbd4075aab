"""Sending and deciding photos for the flag and appeal tests."""

from __future__ import annotations

from tests.actors import as_sender, as_staff
from tests.photos.flag_images import other_photo, qr_photo, real_photo, resent_copy, text_page
from tests.photos.photo_helpers import upload

from kinframe.facilities.models import RejectionReason
from kinframe.photos.models import Photo
from kinframe.photos.services import photo_process, photo_reject, photo_send

__all__ = ["other_photo", "qr_photo", "real_photo", "resent_copy", "text_page"]


def send_processed(sender, connection, data: bytes, name: str = "photo.jpg") -> Photo:
    """Send and process one photo, as the worker would; returns it from the database."""
    photo = photo_send(actor=as_sender(sender), connection=connection, upload=upload(name, data))
    photo_process(photo_id=photo.pk)
    photo.refresh_from_db()
    return photo


def reject(photo: Photo, reviewer, code: str = "policy") -> Photo:
    reason = RejectionReason.objects.get(facility=photo.facility, code=code)
    return photo_reject(photo=photo, actor=as_staff(reviewer, photo.facility), reason=reason)
