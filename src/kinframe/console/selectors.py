"""Reads for the staff console, each with the joins its page needs so no list grows an N+1.

These live here rather than in ``photos/selectors.py`` because they are shaped by the console's pages
(what a reviewer sees in one card, what an investigator filters by); a domain selector can take
their place once another audience needs the same read.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import (
    CharField,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext

from kinframe.accounts.models import User
from kinframe.audit.models import AuditEvent
from kinframe.connections.models import Connection
from kinframe.credits.models import LedgerEntry
from kinframe.facilities.models import (
    AgencyMembership,
    Facility,
    Inmate,
    RejectionReason,
    StaffMembership,
)
from kinframe.photos.models import Appeal, Photo, PhotoFlag, PhotoView
from kinframe.restrictions.models import Block, Suspension, WatchlistMatch


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
    # An agency-wide investigator sees every facility of the agency, as an investigator.
    agencies = AgencyMembership.objects.filter(user=user).values("agency")
    return facilities.filter(
        Q(pk__in=StaffMembership.objects.filter(user=user).values("facility"))
        | Q(agency__in=agencies)
    ).annotate(
        staff_role=Coalesce(
            Subquery(role), Value(StaffMembership.Role.INVESTIGATOR), output_field=CharField()
        )
    )


def review_queue(*, facility: Facility, flag: str = "") -> QuerySet[Photo]:
    """Photos waiting for review at ``facility``, oldest first, so nobody waits longest by chance.

    ``flag`` (a ``PhotoFlag.Kind``) keeps only the photos carrying that flag; ``watchlisted`` says
    whether the photo matched the agency's watch list when it was sent.
    """
    photos = Photo.objects.filter(facility=facility, status=Photo.Status.PENDING_REVIEW)
    if flag:
        photos = photos.filter(flags__kind=flag)  # one flag per kind: no duplicate rows
    return (
        photos.select_related("sender", "inmate")
        .annotate(watchlisted=Exists(WatchlistMatch.objects.filter(photo=OuterRef("pk"))))
        .order_by("created_at", "id")
    )


# A sender search matching more people than this asks for more of the name instead.
SEARCH_MAX_SENDERS = 500


@dataclass(frozen=True)
class PhotoSearch:
    """The photos a console search finds, and whether the sender part matched too many people."""

    photos: QuerySet[Photo]
    too_many_senders: bool = False


def facility_photos(
    *, facility: Facility, status: str = "", search: str = "", flag: str = ""
) -> PhotoSearch:
    """Every photo of ``facility``, newest first, with ``view_count`` annotated.

    ``search`` matches an inmate number exactly (case-insensitive) or part of a sender's username;
    ``flag`` keeps the photos carrying that ``PhotoFlag.Kind``.
    The matching people are looked up first (an index on the agency's ``UPPER(number)``, a trigram
    index on ``UPPER(username)`` on PostgreSQL), then their photos through the inmate and sender
    indexes: one ``LIKE '%...%'`` over the photos joined to their senders could use no index.
    ``view_count`` is a subquery per row, so it is counted only for the page being shown.
    """
    photos = Photo.objects.filter(facility=facility)
    if status:
        photos = photos.filter(status=status)
    if flag:
        photos = photos.filter(flags__kind=flag)
    search = search.strip()
    too_many = False
    if search:
        inmate_ids = list(
            Inmate.objects.filter(agency_id=facility.agency_id, number__iexact=search)
            .order_by()
            .values_list("id", flat=True)
        )
        sender_ids = list(
            User.objects.filter(username__icontains=search)
            .order_by()
            .values_list("id", flat=True)[: SEARCH_MAX_SENDERS + 1]
        )
        too_many = len(sender_ids) > SEARCH_MAX_SENDERS
        if too_many:
            sender_ids = []
        photos = photos.filter(Q(inmate_id__in=inmate_ids) | Q(sender_id__in=sender_ids))
    views = (
        PhotoView.objects.filter(photo=OuterRef("pk"))
        .order_by()
        .values("photo")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return PhotoSearch(
        photos=photos.select_related("sender", "inmate", "reviewed_by", "rejection_reason")
        .annotate(view_count=Coalesce(Subquery(views, output_field=IntegerField()), Value(0)))
        .order_by("-created_at", "-id"),
        too_many_senders=too_many,
    )


def facility_photo(*, facility: Facility, public_id) -> Photo:
    """One photo of ``facility`` or Http404: a photo of another facility is as good as missing."""
    return get_object_or_404(
        Photo.objects.select_related("sender", "inmate", "reviewed_by", "rejection_reason"),
        facility=facility,
        public_id=public_id,
    )


def photo_flags(*, photo: Photo) -> list[PhotoFlag]:
    """The photo's flags, each near-duplicate with the earlier photo's decision, reason, reviewer."""
    return list(
        photo.flags.select_related(
            "matched_photo__reviewed_by", "matched_photo__rejection_reason", "matched_photo__inmate"
        )
    )


def facility_appeals(*, facility: Facility, pending_only: bool = True) -> QuerySet[Appeal]:
    """The facility's appeals, oldest first, with the photo, its first decision and the sender."""
    appeals = Appeal.objects.filter(facility=facility)
    if pending_only:
        appeals = appeals.filter(status=Appeal.Status.PENDING)
    return appeals.select_related(
        "photo__inmate", "photo__rejection_reason", "sender", "original_reviewer", "decided_by"
    ).order_by("created_at", "id")


def facility_appeal(*, facility: Facility, appeal_id: int) -> Appeal:
    return get_object_or_404(facility_appeals(facility=facility, pending_only=False), pk=appeal_id)


def photo_appeal(*, photo: Photo) -> Appeal | None:
    return (
        Appeal.objects.select_related("original_reviewer", "decided_by").filter(photo=photo).first()
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


# --- The audit trail ---------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditFilters:
    """What the trail is narrowed to. Every filter is served by an index on ``AuditEvent``."""

    who: str = ""  # a username or email, or an inmate number
    action: str = ""  # an action code, or a namespace ending in "." (every photo event)
    since: datetime | None = None
    until: datetime | None = None  # exclusive
    target: str = ""  # a photo id, an inmate number, or a username


def _users_named(name: str) -> QuerySet[User]:
    return User.objects.filter(Q(username__iexact=name) | Q(email__iexact=name))


def _target_keys(facility: Facility, target: str) -> list[tuple[str, str]]:
    """The (target_type, target_id) pairs that ``target`` names."""
    keys: list[tuple[str, str]] = []
    try:
        photo_id = uuid.UUID(target)
    except ValueError:
        pass
    else:
        keys += [
            (Photo._meta.label_lower, str(pk))
            for pk in Photo.objects.filter(public_id=photo_id).values_list("pk", flat=True)
        ]
    keys += [
        (Inmate._meta.label_lower, str(pk))
        for pk in Inmate.objects.filter(
            agency=facility.agency_id, number__iexact=target
        ).values_list("pk", flat=True)
    ]
    keys += [
        (User._meta.label_lower, str(pk))
        for pk in _users_named(target).values_list("pk", flat=True)
    ]
    return keys


def facility_audit_events(
    *,
    facility: Facility,
    filters: AuditFilters = AuditFilters(),
    before: tuple[datetime, int] | None = None,
) -> QuerySet[AuditEvent]:
    """The facility's audit trail, newest first, narrowed by ``filters``.

    Pages read it by keyset: ``before`` is the (created_at, id) of the last event already shown,
    so page 10,000 costs what page 1 costs (no OFFSET, no COUNT over millions of rows).
    """
    events = AuditEvent.objects.filter(facility=facility)
    if who := filters.who.strip():
        inmates = Inmate.objects.filter(agency=facility.agency_id, number__iexact=who)
        events = events.filter(Q(actor_user__in=_users_named(who)) | Q(actor_inmate__in=inmates))
    if filters.action.endswith("."):
        events = events.filter(action__startswith=filters.action)
    elif filters.action:
        events = events.filter(action=filters.action)
    if filters.since is not None:
        events = events.filter(created_at__gte=filters.since)
    if filters.until is not None:
        events = events.filter(created_at__lt=filters.until)
    if target := filters.target.strip():
        keys = _target_keys(facility, target)
        by_target = Q(pk__in=[])
        for target_type, target_id in keys:
            by_target |= Q(target_type=target_type, target_id=target_id)
        events = events.filter(by_target)
    if before is not None:
        at, pk = before
        events = events.filter(Q(created_at__lt=at) | Q(created_at=at, id__lt=pk))
    return events.select_related("actor_user", "actor_inmate").order_by("-created_at", "-id")


def _photo_label(photo: Photo) -> str:
    return gettext("Photo to %(name)s (#%(number)s) from %(sender)s") % {
        "name": photo.inmate.full_name,
        "number": photo.inmate.number,
        "sender": photo.sender.get_username(),
    }


def audit_target_labels(events: list[AuditEvent]) -> dict[tuple[str, str], str]:
    """Readable names for the events' targets, one query per kind of target on the page.

    The label stored on an event is what the object called itself then (a photo's id); the trail
    shows who and what it is instead: people by name and number, photos by recipient and sender.
    """
    ids: dict[str, set[int]] = {}
    for event in events:
        if event.target_id.isdigit():
            ids.setdefault(event.target_type, set()).add(int(event.target_id))
    labels: dict[tuple[str, str], str] = {}
    if pks := ids.get(Photo._meta.label_lower):
        for photo in Photo.objects.filter(pk__in=pks).select_related("inmate", "sender"):
            labels[(Photo._meta.label_lower, str(photo.pk))] = _photo_label(photo)
    if pks := ids.get(Inmate._meta.label_lower):
        for inmate in Inmate.objects.filter(pk__in=pks):
            labels[(Inmate._meta.label_lower, str(inmate.pk))] = (
                f"{inmate.full_name} (#{inmate.number})"
            )
    if pks := ids.get(Connection._meta.label_lower):
        for connection in Connection.objects.filter(pk__in=pks).select_related("sender", "inmate"):
            labels[(Connection._meta.label_lower, str(connection.pk))] = gettext(
                "Connection of %(sender)s with %(name)s (#%(number)s)"
            ) % {
                "sender": connection.sender.get_username(),
                "name": connection.inmate.full_name,
                "number": connection.inmate.number,
            }
    if pks := ids.get(Block._meta.label_lower):
        for block in Block.objects.filter(pk__in=pks).select_related("sender"):
            labels[(Block._meta.label_lower, str(block.pk))] = gettext(
                "%(sender)s blocked from %(scope)s"
            ) % {"sender": block.sender.get_username(), "scope": block.get_scope_display()}
    if pks := ids.get(Suspension._meta.label_lower):
        for suspension in Suspension.objects.filter(pk__in=pks).select_related("inmate"):
            labels[(Suspension._meta.label_lower, str(suspension.pk))] = gettext(
                "Photos to %(name)s (#%(number)s) suspended"
            ) % {"name": suspension.inmate.full_name, "number": suspension.inmate.number}
    if pks := ids.get(LedgerEntry._meta.label_lower):
        for entry in LedgerEntry.objects.filter(pk__in=pks):
            labels[(LedgerEntry._meta.label_lower, str(entry.pk))] = (
                f"{entry.get_kind_display()} {entry.amount:+d} ({entry.reference})"
            )
    if pks := ids.get(Facility._meta.label_lower):
        for facility in Facility.objects.filter(pk__in=pks):
            labels[(Facility._meta.label_lower, str(facility.pk))] = (
                f"{facility.name} ({facility.code})"
            )
    return labels


def audit_actor_name(event: AuditEvent) -> str:
    """Who acted, in words: a username, a person's name and number, or "Kinframe"."""
    if event.actor_inmate is not None:
        return f"{event.actor_inmate.full_name} (#{event.actor_inmate.number})"
    if event.actor_user is not None:
        return event.actor_user.get_username()
    if event.actor_kind == AuditEvent.ActorKind.SYSTEM:
        return f"Kinframe ({event.actor_label})" if event.actor_label else "Kinframe"
    return event.actor_label or event.get_actor_kind_display()


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
    # One query for the three figures (the page and its heartbeat ask for them all the time). The
    # capped count is a count over a LIMITed subquery, which the ORM writes only as a query of its
    # own, so its SQL is taken from that query.
    capped, capped_params = (
        pending.order_by().values("pk")[: WAITING_COUNT_CAP + 1].query.sql_with_params()
    )
    mine_here = (
        Photo.objects.filter(
            reviewed_by=user,
            reviewed_at__gte=now - timedelta(hours=SHIFT_HOURS),
            facility=OuterRef("pk"),
        )
        .order_by()
        .values("facility")
        .annotate(n=Count("pk"))
        .values("n")
    )
    waiting, oldest, mine = (
        Facility.objects.filter(pk=facility.pk)
        .annotate(
            # The SQL is the ORM's own, with its parameters passed separately.
            waiting=RawSQL(  # noqa: S611
                f"SELECT COUNT(*) FROM ({capped}) capped",  # noqa: S608
                capped_params,
                IntegerField(),
            ),
            oldest=Subquery(pending.order_by("created_at").values("created_at")[:1]),
            mine=Coalesce(Subquery(mine_here, output_field=IntegerField()), 0),
        )
        .values_list("waiting", "oldest", "mine")
        .get()
    )
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
        )
        .select_related("sender", "inmate", "connection")
        .prefetch_related("flags")
        .annotate(watchlisted=Exists(WatchlistMatch.objects.filter(photo=OuterRef("pk"))))
    }
    ordered: list[Photo] = [photos[pk] for pk in photo_ids if pk in photos]
    records = sender_records(facility=facility, sender_ids=[p.sender_id for p in ordered])
    for photo in ordered:
        photo.sender_record = records[photo.sender_id]  # type: ignore[attr-defined]
    return ordered
