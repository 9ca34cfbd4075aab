"""Deleting delivered photos' files once their facility's retention period has passed.

A facility sets `photo_retention_days` (empty keeps photos for ever). After that many days from
delivery (`reviewed_at`), the display file, thumbnail and any leftover original are deleted; the
photo's record, its view history, its audit trail and its ledger entries stay, with
`files_purged_at` saying when. A photo under `legal_hold` (an investigator's hold) is never purged.

Retention is an operator's schedule (`kinframe purge_expired_photos`, daily, in `ops`) rather than a
step of the photo's journey, so these writes sit in their own module; they follow the same rules as
the services: lock, re-check, audit, in one transaction.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from kinframe.audit.actors import SYSTEM, Actor
from kinframe.audit.services import audit_log
from kinframe.facilities.models import Facility
from kinframe.photos.models import Photo

logger = logging.getLogger(__name__)

FILE_FIELDS = ("image", "thumbnail", "original")


def photos_past_retention(*, now: datetime) -> list[int]:
    """Ids of delivered photos whose facility's retention period has passed, not on hold."""
    ids: list[int] = []
    for facility in Facility.objects.filter(photo_retention_days__isnull=False):
        cutoff = now - timedelta(days=facility.photo_retention_days or 0)
        ids.extend(
            Photo.objects.filter(
                facility=facility,
                status=Photo.Status.APPROVED,
                reviewed_at__lt=cutoff,
                legal_hold=False,
                files_purged_at__isnull=True,
            ).values_list("pk", flat=True)
        )
    return ids


@transaction.atomic
def photo_files_purge(*, photo_id: int, now: datetime | None = None) -> bool:
    """Delete one photo's files if retention still applies; False if it no longer does.

    The files go after the row is updated and the transaction commits, so a rollback never leaves
    a record pointing at deleted files; a file that fails to delete is logged and left for the
    operator, never re-linked.
    """
    now = now or timezone.now()
    photo = Photo.objects.select_for_update().select_related("facility").get(pk=photo_id)
    days = photo.facility.photo_retention_days
    if (
        days is None
        or photo.legal_hold
        or photo.files_purged_at is not None
        or photo.status != Photo.Status.APPROVED
        or photo.reviewed_at is None
        or photo.reviewed_at >= now - timedelta(days=days)
    ):
        return False
    names = [getattr(photo, field).name for field in FILE_FIELDS if getattr(photo, field)]
    for field in FILE_FIELDS:
        setattr(photo, field, "")
    photo.files_purged_at = now
    photo.save(update_fields=[*FILE_FIELDS, "files_purged_at"])
    audit_log(
        "photo.files_purged",
        actor=SYSTEM,
        target=photo,
        facility=photo.facility,
        data={"retention_days": days, "files": len(names)},
    )
    transaction.on_commit(lambda: _delete_files(names))
    return True


def _delete_files(names: list[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except Exception:
            logger.exception("Retention could not delete %s; delete it by hand", name)


def photos_purge_expired(*, now: datetime | None = None) -> int:
    """Purge every photo past its facility's retention; returns how many were purged."""
    now = now or timezone.now()
    return sum(photo_files_purge(photo_id=pk, now=now) for pk in photos_past_retention(now=now))


@transaction.atomic
def photo_legal_hold_set(*, photo_id: int, held: bool, actor: Actor) -> Photo:
    """Place or release an investigator's hold; a held photo's files outlive retention."""
    photo = Photo.objects.select_for_update().get(pk=photo_id)
    if photo.legal_hold == held:
        return photo
    photo.legal_hold = held
    photo.save(update_fields=["legal_hold"])
    audit_log(
        "photo.legal_hold_placed" if held else "photo.legal_hold_released",
        actor=actor,
        target=photo,
        facility=photo.facility,
    )
    return photo
