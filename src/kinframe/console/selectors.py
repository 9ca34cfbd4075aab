"""Reads for the staff console, each with the joins its page needs so no list grows an N+1.

These live here rather than in ``photos/selectors.py`` because they are shaped by the console's pages
(what a reviewer sees in one card, what an investigator filters by); a domain selector can take
their place once another audience needs the same read.
"""

from __future__ import annotations

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from kinframe.audit.models import AuditEvent
from kinframe.connections.models import Connection
from kinframe.facilities.models import Facility, RejectionReason, StaffMembership
from kinframe.photos.models import Appeal, Photo, PhotoFlag, PhotoView


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


def review_queue(*, facility: Facility, flag: str = "") -> QuerySet[Photo]:
    """Photos waiting for review at ``facility``, oldest first, so nobody waits longest by chance.

    ``flag`` (a ``PhotoFlag.Kind``) keeps only the photos carrying that flag.
    """
    photos = Photo.objects.filter(facility=facility, status=Photo.Status.PENDING_REVIEW)
    if flag:
        photos = photos.filter(flags__kind=flag)  # one flag per kind: no duplicate rows
    return photos.select_related("sender", "inmate").order_by("created_at", "id")


def facility_photos(
    *, facility: Facility, status: str = "", search: str = "", flag: str = ""
) -> QuerySet[Photo]:
    """Every photo of ``facility``, newest first, with ``view_count`` annotated.

    ``search`` matches an inmate number exactly (case-insensitive) or part of a sender's username;
    ``flag`` keeps the photos carrying that ``PhotoFlag.Kind``.
    """
    photos = Photo.objects.filter(facility=facility)
    if status:
        photos = photos.filter(status=status)
    if flag:
        photos = photos.filter(flags__kind=flag)
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


def facility_audit_events(*, facility: Facility) -> QuerySet[AuditEvent]:
    """The facility's audit trail, newest first. Labels are stored on the event, so no joins."""
    return AuditEvent.objects.filter(facility=facility).order_by("-created_at", "-id")
