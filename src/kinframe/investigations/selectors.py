"""Finding photos for an investigation, and telling one photo's whole story.

A photo's story is a timeline built from the audit events whose target is the photo and from its
``PhotoView`` rows, so any new kind of event on a photo (flags, appeals, holds) shows up without a
change here; ``kinframe.audit.labels`` gives it a plain label.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext

from kinframe.audit.labels import action_label
from kinframe.audit.models import AuditEvent
from kinframe.facilities.models import Facility
from kinframe.photos.models import Photo, PhotoView
from kinframe.restrictions.models import WatchlistMatch

DECISION_APPROVED = "approved"
DECISION_REJECTED = "rejected"
DECISION_UNDECIDED = "undecided"
REASON_PREFIX = "reason:"


#: The ``flag`` value that finds photos matching the agency's watch list.
FLAG_WATCHLIST = "watchlist"


def photo_search(
    *,
    facilities: Iterable[Facility],
    sender: str = "",
    person: str = "",
    sent_from: date | None = None,
    sent_to: date | None = None,
    status: str = "",
    decision: str = "",
    reviewer: str = "",
    sha256: str = "",
    flag: str = "",
    tz=None,
) -> QuerySet[Photo]:
    """Photos of ``facilities`` matching every filter given, newest first, with ``view_count``.

    ``sender`` and ``reviewer`` match a username or email in part; ``person`` an inmate number
    exactly or a name in part; ``sha256`` the display file's hash, whole or its first characters;
    ``decision`` is approved, rejected, undecided, or ``reason:<code>`` for one rejection reason;
    ``flag`` a consistency flag's kind, or ``watchlist`` for a watch-list match.
    Dates are whole days in ``tz`` (the facility's zone).
    """
    photos = Photo.objects.filter(facility__in=list(facilities))
    if sender := sender.strip():
        photos = photos.filter(
            Q(sender__username__icontains=sender) | Q(sender__email__icontains=sender)
        )
    if person := person.strip():
        words = person.split()
        by_name = Q()
        for word in words:
            by_name &= Q(inmate__first_name__icontains=word) | Q(inmate__last_name__icontains=word)
        photos = photos.filter(Q(inmate__number__iexact=person) | by_name)
    if sent_from is not None:
        photos = photos.filter(created_at__gte=datetime.combine(sent_from, time.min, tzinfo=tz))
    if sent_to is not None:
        end = datetime.combine(sent_to + timedelta(days=1), time.min, tzinfo=tz)
        photos = photos.filter(created_at__lt=end)
    if status:
        photos = photos.filter(status=status)
    if decision == DECISION_APPROVED:
        photos = photos.filter(status=Photo.Status.APPROVED)
    elif decision == DECISION_REJECTED:
        photos = photos.filter(status=Photo.Status.REJECTED)
    elif decision == DECISION_UNDECIDED:
        photos = photos.filter(reviewed_at__isnull=True)
    elif decision.startswith(REASON_PREFIX):
        photos = photos.filter(rejection_reason__code=decision.removeprefix(REASON_PREFIX))
    if reviewer := reviewer.strip():
        photos = photos.filter(
            Q(reviewed_by__username__icontains=reviewer) | Q(reviewed_by__email__icontains=reviewer)
        )
    if sha256 := sha256.strip().lower():
        photos = photos.filter(sha256__startswith=sha256)
    if flag == FLAG_WATCHLIST:
        photos = photos.filter(Exists(WatchlistMatch.objects.filter(photo=OuterRef("pk"))))
    elif flag:
        photos = photos.filter(flags__kind=flag)  # one flag per kind: no duplicate rows
    return (
        photos.select_related("sender", "inmate", "facility", "reviewed_by", "rejection_reason")
        .annotate(view_count=Count("views"))
        .order_by("-created_at", "-id")
    )


@dataclass(frozen=True)
class StoryEntry:
    """One moment in a photo's life."""

    at: datetime
    action: str
    label: str
    who: str
    details: dict[str, Any]
    ip_address: str | None = None


def _who_viewed(view: PhotoView) -> str:
    if view.viewer_inmate is not None:
        return gettext("%(name)s (#%(number)s), the recipient") % {
            "name": view.viewer_inmate.full_name,
            "number": view.viewer_inmate.number,
        }
    user = view.viewer_user
    if user is None:
        return gettext("staff")
    return gettext("%(username)s (staff)") % {"username": user.get_username()}


def photo_story(*, photo: Photo) -> list[StoryEntry]:
    """Everything that happened to ``photo``, oldest first.

    Views come from ``PhotoView`` (which keeps the viewer and the address); the audit events that
    mirror them (``photo.viewed``) are left out so a view is told once.
    """
    entries: list[StoryEntry] = []
    events = AuditEvent.objects.filter(
        target_type=Photo._meta.label_lower, target_id=str(photo.pk)
    ).exclude(action="photo.viewed")
    for event in events.select_related("actor_inmate").order_by("created_at", "id"):
        who = event.actor_label or event.get_actor_kind_display()
        if event.actor_inmate is not None:
            who = f"{event.actor_inmate.full_name} (#{event.actor_inmate.number})"
        entries.append(
            StoryEntry(
                at=event.created_at,
                action=event.action,
                label=action_label(event.action),
                who=f"{who} ({str(event.get_actor_kind_display()).lower()})"
                if event.actor_kind != AuditEvent.ActorKind.SYSTEM
                else "Kinframe",
                details=dict(event.data),
                ip_address=event.ip_address,
            )
        )
    if not any(e.action == "photo.sent" for e in entries):
        entries.append(
            StoryEntry(
                at=photo.created_at,
                action="photo.sent",
                label=action_label("photo.sent"),
                who=gettext("%(username)s (sender)") % {"username": photo.sender.get_username()},
                details={"price": photo.price},
            )
        )
    for view in photo.views.select_related("viewer_inmate", "viewer_user"):
        entries.append(
            StoryEntry(
                at=view.viewed_at,
                action="photo.viewed",
                label=action_label("photo.viewed")
                if view.variant == "display"
                else gettext("Viewed (%(variant)s)") % {"variant": view.variant},
                who=_who_viewed(view),
                details={},
                ip_address=view.ip_address,
            )
        )
    entries.sort(key=lambda e: e.at)
    return entries
