"""Photo files in storage: deleting them, and sweeping up files that no photo names.

A file is written before the row that names it (so a row never names a missing file), which means
a crash between the two, or a commit whose outcome is unknown, can leave a file nobody names. Such
orphans are harmless but hold a sender's picture, so the sweeper removes them once they are old
enough that no transaction can still be about to name them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime, timedelta

from django.core.files.storage import default_storage
from django.db.models import Q
from django.utils import timezone

from .models import Photo

logger = logging.getLogger(__name__)

#: The folder every photo key lives under (see ``photo_key``).
PHOTO_PREFIX = "photos"
#: A file younger than this may belong to a send or a processing step still in progress.
ORPHAN_MIN_AGE = timedelta(hours=1)


def delete_file(name: str) -> None:
    """Delete one stored file, quietly: cleanup must never hide the error that caused it."""
    if not name:
        return
    try:
        default_storage.delete(name)
    except Exception:
        logger.warning("Could not delete photo file %s", name, exc_info=True)


def named_by_a_photo(names: list[str]) -> set[str]:
    """Which of these storage names some photo row names (as original, display or thumbnail)."""
    rows = Photo.objects.filter(
        Q(original__in=names) | Q(image__in=names) | Q(thumbnail__in=names)
    ).values_list("original", "image", "thumbnail")
    return {name for row in rows for name in row if name} & set(names)


def _stored_photo_files() -> Iterator[str]:
    try:
        _dirs, files = default_storage.listdir(PHOTO_PREFIX)
    except FileNotFoundError:
        return
    for file in files:
        yield f"{PHOTO_PREFIX}/{file}"


def photo_files_sweep_orphans(*, now: datetime | None = None, batch: int = 500) -> int:
    """Delete stored photo files older than an hour that no photo names; returns how many."""
    cutoff = (now or timezone.now()) - ORPHAN_MIN_AGE
    removed = 0

    def sweep(names: list[str]) -> int:
        named = named_by_a_photo(names)
        count = 0
        for name in names:
            if name in named:
                continue
            try:
                if default_storage.get_modified_time(name) >= cutoff:
                    continue
            except FileNotFoundError:
                continue
            delete_file(name)
            count += 1
        return count

    pending: list[str] = []
    for name in _stored_photo_files():
        pending.append(name)
        if len(pending) >= batch:
            removed += sweep(pending)
            pending = []
    if pending:
        removed += sweep(pending)
    if removed:
        logger.info("Removed %s stored photo file(s) that no photo names", removed)
    return removed
