"""Reads for the staff console, each with the joins its page needs so no list grows an N+1.

These live here rather than in ``photos/selectors.py`` because they are shaped by the console's pages
(what a reviewer sees in one card, what an investigator filters by); a domain selector can take
their place once another audience needs the same read.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils import timezone

from kinframe.audit.models import AuditEvent
from kinframe.connections.models import Connection
from kinframe.facilities.models import Facility, RejectionReason, StaffMembership
from kinframe.photos.models import Photo, PhotoView


def _pending_count() -> Coalesce:
    pending = (
        Photo.objects.filter(facility=OuterRef("pk"), status=Photo.Status.PENDING_REVIEW)
        .order_by()
        .values("facility")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(pending, output_field=IntegerField()), Value(0))


def staff_facilities(*, user) -> QuerySet[Facility]:
    """The facilities ``user`` works at (every facility for an operator), with ``pending_count``
    (photos waiting for review) and ``staff_role`` (the user's role there) annotated."""
    facilities = Facility.objects.select_related("agency").annotate(pending_count=_pending_count())
    if user.is_superuser:
        return facilities.annotate(staff_role=Value(StaffMembership.Role.ADMIN))
    role = StaffMembership.objects.filter(user=user, facility=OuterRef("pk")).values("role")[:1]
    return facilities.filter(staff_memberships__user=user).annotate(staff_role=Subquery(role))


def review_queue(*, facility: Facility) -> QuerySet[Photo]:
    """Photos waiting for review at ``facility``, oldest first, so nobody waits longest by chance."""
    return (
        Photo.objects.filter(facility=facility, status=Photo.Status.PENDING_REVIEW)
        .select_related("sender", "inmate")
        .order_by("created_at", "id")
    )


def facility_photos(*, facility: Facility, status: str = "", search: str = "") -> QuerySet[Photo]:
    """Every photo of ``facility``, newest first, with ``view_count`` annotated.

    ``search`` matches an inmate number exactly (case-insensitive) or part of a sender's username.
    """
    photos = Photo.objects.filter(facility=facility)
    if status:
        photos = photos.filter(status=status)
    search = search.strip()
    if search:
        photos = photos.filter(
            Q(inmate__number__iexact=search) | Q(sender__username__icontains=search)
        )
    return (
        photos.select_related("sender", "inmate", "reviewed_by", "rejection_reason")
        .annotate(view_count=Count("views"))
        .order_by("-created_at", "-id")
    )


def facility_photo(*, facility: Facility, public_id) -> Photo:
    """One photo of ``facility`` or Http404: a photo of another facility is as good as missing."""
    return get_object_or_404(
        Photo.objects.select_related("sender", "inmate", "reviewed_by", "rejection_reason"),
        facility=facility,
        public_id=public_id,
    )


def photo_view_history(*, photo: Photo) -> QuerySet[PhotoView]:
    """Every opening of ``photo``, newest first, with the viewer."""
    return photo.views.select_related("viewer_inmate", "viewer_user").order_by("-viewed_at", "-id")


def active_rejection_reasons(*, facility: Facility) -> QuerySet[RejectionReason]:
    return facility.rejection_reasons.filter(is_active=True)


def pending_connections(*, facility: Facility) -> QuerySet[Connection]:
    """Connection requests waiting for a person currently held at ``facility``, oldest first."""
    return (
        Connection.objects.filter(inmate__facility=facility, status=Connection.Status.REQUESTED)
        .select_related("sender", "inmate")
        .order_by("created_at", "id")
    )


def facility_audit_events(*, facility: Facility) -> QuerySet[AuditEvent]:
    """The facility's audit trail, newest first. Labels are stored on the event, so no joins."""
    return AuditEvent.objects.filter(facility=facility).order_by("-created_at", "-id")


# --- Review ----------------------------------------------------------------------------------------

#: A shift, for "mine this shift": the reviewer's decisions in the last this many hours.
SHIFT_HOURS = 8
#: Counting stops here, so the live counts cost the same however long the queue grows.
WAITING_COUNT_CAP = 1_000


def duration_label(minutes: int) -> str:
    """``45 min``, ``4 h``, ``5 h 07``: short enough for the review page's count boxes."""
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h" if not rest else f"{hours} h {rest:02d}"


@dataclass(frozen=True)
class ReviewCounts:
    waiting: int  # capped at WAITING_COUNT_CAP
    waiting_capped: bool
    mine: int
    oldest_minutes: int | None
    target_minutes: int

    @property
    def oldest_label(self) -> str:
        return "—" if self.oldest_minutes is None else duration_label(self.oldest_minutes)

    @property
    def target_label(self) -> str:
        return duration_label(self.target_minutes)

    @property
    def over_target(self) -> bool:
        return self.oldest_minutes is not None and self.oldest_minutes > self.target_minutes


def review_counts(*, facility: Facility, user) -> ReviewCounts:
    """The review page's live figures: waiting (capped), mine this shift, the oldest one's age."""
    now = timezone.now()
    pending = Photo.objects.filter(facility=facility, status=Photo.Status.PENDING_REVIEW)
    waiting = pending.order_by()[: WAITING_COUNT_CAP + 1].count()
    oldest = pending.order_by("created_at").values_list("created_at", flat=True).first()
    mine = Photo.objects.filter(
        reviewed_by=user,
        reviewed_at__gte=now - timedelta(hours=SHIFT_HOURS),
        facility=facility,
    ).count()
    return ReviewCounts(
        waiting=min(waiting, WAITING_COUNT_CAP),
        waiting_capped=waiting > WAITING_COUNT_CAP,
        mine=mine,
        oldest_minutes=int((now - oldest).total_seconds() // 60) if oldest else None,
        target_minutes=facility.review_target_minutes,
    )


@dataclass
class SenderRecord:
    """What a reviewer should know about a sender's history with this facility."""

    sent: int = 0
    rejected: int = 0
    reasons: list[tuple[str, int]] = field(default_factory=list)  # (label, count), most first
    blocked: int = 0


def sender_records(*, facility: Facility, sender_ids: Iterable[int]) -> dict[int, SenderRecord]:
    """Each sender's record at ``facility``: photos sent, rejected and why, blocked connections.

    Two grouped queries for any number of senders (the cards on one screen).
    """
    ids = set(sender_ids)
    records = {pk: SenderRecord() for pk in ids}
    if not ids:
        return records
    rows = (
        Photo.objects.filter(facility=facility, sender_id__in=ids)
        .order_by()
        .values("sender_id", "status", "rejection_reason__label")
        .annotate(n=Count("pk"))
    )
    for row in rows:
        record = records[row["sender_id"]]
        record.sent += row["n"]
        if row["status"] == Photo.Status.REJECTED:
            record.rejected += row["n"]
            record.reasons.append((row["rejection_reason__label"] or "—", row["n"]))
    for record in records.values():
        record.reasons.sort(key=lambda pair: (-pair[1], pair[0]))
    blocked = (
        Connection.objects.filter(
            inmate__facility=facility, sender_id__in=ids, status=Connection.Status.BLOCKED
        )
        .order_by()
        .values("sender_id")
        .annotate(n=Count("pk"))
    )
    for row in blocked:
        records[row["sender_id"]].blocked = row["n"]
    return records


def review_cards(*, facility: Facility, photo_ids: list[int]) -> list[Photo]:
    """The photos a reviewer holds, in the given order, each with ``sender_record`` attached."""
    photos = {
        photo.pk: photo
        for photo in Photo.objects.filter(
            facility=facility, pk__in=photo_ids, status=Photo.Status.PENDING_REVIEW
        ).select_related("sender", "inmate", "connection")
    }
    ordered = [photos[pk] for pk in photo_ids if pk in photos]
    records = sender_records(facility=facility, sender_ids=[p.sender_id for p in ordered])
    for photo in ordered:
        photo.sender_record = records[photo.sender_id]  # type: ignore[attr-defined]
    return ordered
