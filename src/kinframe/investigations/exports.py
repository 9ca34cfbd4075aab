"""A case export: the chosen photos' delivered images in a ZIP, with a CSV and a JSON manifest.

The manifest names each photo (its id, sender, recipient, dates, decision, reviewer, hashes) and
the file that holds it in the ZIP, with the SHA-256 of those very bytes, so whoever receives the
case can check that nothing was changed. The export is recorded in the audit trail (one
``case.exported`` event and a ``photo.exported`` event on each photo, so the photo's story tells it).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import tempfile
import uuid
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from kinframe.audit.actors import Actor
from kinframe.audit.services import audit_log
from kinframe.facilities.models import Facility
from kinframe.photos.models import Photo

MANIFEST_FIELDS = [
    "photo_id", "file", "file_sha256", "status", "sent_at", "sender", "recipient",
    "recipient_number", "facility", "reviewed_at", "reviewer", "rejection_reason",
    "photo_sha256", "views",
]  # fmt: skip


class CaseExportError(ValueError):
    """The selection cannot be exported (empty, too large, or not the facility's photos)."""


@dataclass
class CaseExport:
    filename: str
    file: IO[bytes]
    manifest: list[dict[str, Any]]


def _entry(photo: Photo, file_name: str, digest: str) -> dict[str, Any]:
    return {
        "photo_id": str(photo.public_id),
        "file": file_name,
        "file_sha256": digest,
        "status": photo.status,
        "sent_at": photo.created_at.isoformat(),
        "sender": photo.sender.get_username(),
        "recipient": photo.inmate.full_name,
        "recipient_number": photo.inmate.number,
        "facility": photo.facility.code,
        "reviewed_at": photo.reviewed_at.isoformat() if photo.reviewed_at else "",
        "reviewer": photo.reviewed_by.get_username() if photo.reviewed_by else "",
        "rejection_reason": photo.rejection_reason.code if photo.rejection_reason else "",
        "photo_sha256": photo.sha256,
        "views": photo.view_count,  # type: ignore[attr-defined]
    }


@transaction.atomic
def case_export(
    *, actor: Actor, facilities: Sequence[Facility], photo_ids: Sequence[str], case: str = ""
) -> CaseExport:
    """Export the photos whose public ids are ``photo_ids``, all of them from ``facilities``.

    Refuses an empty selection, more than ``CASE_EXPORT_MAX_PHOTOS``, or an id that is not one of
    those facilities' photos (nothing is exported then, and nothing audited). A photo whose files
    were never made or were deleted by retention is listed with an empty ``file``.
    """
    wanted = list(dict.fromkeys(str(pid) for pid in photo_ids))
    if not wanted:
        raise CaseExportError(_("Choose at least one photo to export."))
    if len(wanted) > settings.CASE_EXPORT_MAX_PHOTOS:
        raise CaseExportError(
            _("A case export holds at most %(count)s photos.")
            % {"count": settings.CASE_EXPORT_MAX_PHOTOS}
        )
    try:
        ids = [uuid.UUID(pid) for pid in wanted]
    except ValueError:
        raise CaseExportError(_("That selection includes something that is not a photo.")) from None
    photos = list(
        Photo.objects.filter(facility__in=list(facilities), public_id__in=ids)
        .select_related("sender", "inmate", "facility", "reviewed_by", "rejection_reason")
        .annotate(view_count=Count("views"))
        .order_by("created_at", "id")
    )
    if len(photos) != len(wanted):
        raise CaseExportError(_("That selection includes photos this export cannot include."))
    now = timezone.now()
    name = f"case-{now:%Y%m%d-%H%M%S}"
    # Handed to the response, which closes it once sent.
    spool = tempfile.SpooledTemporaryFile(max_size=32 * 1024 * 1024)  # noqa: SIM115
    manifest = []
    with zipfile.ZipFile(spool, "w", zipfile.ZIP_STORED) as archive:  # JPEGs do not shrink
        for photo in photos:
            file_name, digest = "", ""
            if photo.image and not photo.files_purged_at:
                with photo.image.open("rb") as image:
                    data = image.read()
                file_name = f"photos/{photo.public_id}.jpg"
                digest = hashlib.sha256(data).hexdigest()
                archive.writestr(file_name, data)
            manifest.append(_entry(photo, file_name, digest))
        rows = io.StringIO()
        writer = csv.DictWriter(rows, fieldnames=MANIFEST_FIELDS)
        writer.writeheader()
        writer.writerows(manifest)
        archive.writestr("manifest.csv", rows.getvalue())
        about = {
            "case": case,
            "exported_at": now.isoformat(),
            "exported_by": actor.label,
            "photos": manifest,
        }
        archive.writestr("manifest.json", json.dumps(about, indent=2))
    spool.seek(0)
    for photo in photos:
        audit_log("photo.exported", actor=actor, target=photo, data={"case": case or name})
    audit_log(
        "case.exported",
        actor=actor,
        facility=actor.facility,
        data={"case": case or name, "photos": len(photos), "file": f"{name}.zip"},
    )
    return CaseExport(filename=f"{name}.zip", file=spool, manifest=manifest)
