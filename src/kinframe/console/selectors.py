"""Reads for the staff console, each with the joins its page needs so no list grows an N+1.

These live here rather than in ``photos/selectors.py`` because they are shaped by the console's pages
(what a reviewer sees in one card, what an investigator filters by); a domain selector can take
their place once another audience needs the same read.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from kinframe.audit.models import AuditEvent
from kinframe.connections.models import Connection
from kinframe.facilities.models import Facility, Inmate, RejectionReason, StaffMembership
from kinframe.photos.models import Photo, PhotoView

User = get_user_model()


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


# A sender search matching more people than this asks for more of the name instead.
SEARCH_MAX_SENDERS = 500


@dataclass(frozen=True)
class PhotoSearch:
    """The photos a console search finds, and whether the sender part matched too many people."""

    photos: QuerySet[Photo]
    too_many_senders: bool = False


def facility_photos(*, facility: Facility, status: str = "", search: str = "") -> PhotoSearch:
    """Every photo of ``facility``, newest first, with ``view_count`` annotated.

    ``search`` matches an inmate number exactly (case-insensitive) or part of a sender's username.
    The matching people are looked up first (an index on the agency's ``UPPER(number)``, a trigram
    index on ``UPPER(username)`` on PostgreSQL), then their photos through the inmate and sender
    indexes: one ``LIKE '%...%'`` over the photos joined to their senders could use no index.
    ``view_count`` is a subquery per row, so it is counted only for the page being shown.
    """
    photos = Photo.objects.filter(facility=facility)
    if status:
        photos = photos.filter(status=status)
    search = search.strip()
    too_many = False
    if search:
        inmate_ids = list(
            Inmate.objects.filter(agency_id=facility.agency_id, number__iexact=search).values_list(
                "id", flat=True
            )
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
