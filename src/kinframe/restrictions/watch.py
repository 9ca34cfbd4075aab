"""Flagging photos whose sender or recipient is on the agency's watch list.

Called by ``photos.services.photo_send_many`` inside the send's transaction, so a photo and its
flags commit together; the investigators' email goes out only after the commit. A match never
blocks the send: only staff decide that, with a block.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from django.db import transaction

from kinframe.audit.actors import Actor
from kinframe.audit.services import audit_log

from .models import WatchlistMatch
from .selectors import watchlist_entries_matching


def watchlist_flag_photos(*, photos: Sequence, actor: Actor) -> list[WatchlistMatch]:
    """Record a match for each photo and each entry that names its sender or recipient.

    All ``photos`` share one sender and one recipient (one send). Returns the matches written.
    """
    if not photos:
        return []
    first = photos[0]
    found = watchlist_entries_matching(sender=first.sender, inmate=first.inmate)
    if not found:
        return []
    matches = []
    for photo in photos:
        for entry, matched_on in found:
            matches.append(
                WatchlistMatch.objects.create(
                    photo=photo, entry=entry, facility_id=photo.facility_id, matched_on=matched_on
                )
            )
        audit_log(
            "photo.watchlist_matched",
            actor=actor,
            target=photo,
            facility=photo.facility,
            data={"entries": [entry.pk for entry, _ in found], "on": [m for _, m in found]},
        )
    from .tasks import notify_investigators_of_match

    transaction.on_commit(
        partial(notify_investigators_of_match.enqueue, [photo.pk for photo in photos])
    )
    return matches
