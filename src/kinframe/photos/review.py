"""Sharing a facility's review queue between reviewers: leases, decisions under a lease, and undo.

Each reviewer is handed the oldest waiting photos that nobody else holds, as short leases
(``ReviewLease``) renewed while the photos are on the reviewer's screen and released when they leave.
Finding the next photos costs the same at 100 or 100,000 waiting: the facility's live leases are few
(a handful per reviewer), so the oldest-first index scan skips at most those and stops after the
few it needs.

A decision goes through ``photo_decide``: it needs the reviewer's lease on the photo, acquired a
moment ago at least (``MIN_LOOK``), so a double click cannot approve a photo that slid under the
pointer. ``photo_decision_undo`` takes the reviewer's own decision back within ``UNDO_SECONDS``;
a rejection's refund is taken back by a new ledger entry and its notice (sent later on purpose)
is called off.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext

from kinframe.audit.actors import Actor
from kinframe.audit.services import audit_log
from kinframe.credits.services import InsufficientCredits, credits_recharge_photo
from kinframe.facilities.models import Facility, RejectionReason

from .models import Photo, ReviewLease
from .services import PhotoStateError, photo_approve, photo_reject

#: How long a lease lasts without renewal; the review page renews it while the photo is shown.
LEASE_SECONDS = 60
#: A lease is renewed once less than this is left, so a page polling every few seconds writes
#: about once every ten seconds.
RENEW_BELOW_SECONDS = 50
#: A released hold lasts this much longer, so a reload keeps its photos (the page renews every 2 s).
RELEASE_GRACE_SECONDS = 3
#: How many photos a reviewer holds in the one-at-a-time view: the one on screen and the next
#: ones being preloaded.
BATCH = 4
#: The most a reviewer may hold (the grid view shows this many at once).
MAX_HELD = 12
#: A photo must have been handed to the reviewer this long before they can decide it.
MIN_LOOK = timedelta(milliseconds=400)
#: How long a reviewer can take their own decision back.
UNDO_SECONDS = 10


class LeaseError(Exception):
    """The reviewer does not hold this photo (or only just got it); nothing was changed."""


class UndoRefused(Exception):
    """The decision cannot be taken back; ``str(exc)`` says why. Nothing was changed."""


def _pending(facility: Facility):
    return Photo.objects.filter(facility=facility, status=Photo.Status.PENDING_REVIEW)


def _lock_free_photos(
    *, facility: Facility, exclude: set[int], limit: int, flag: str = ""
) -> list[int]:
    """Lock up to ``limit`` of the oldest waiting photos not in ``exclude``; their ids.

    On PostgreSQL, rows another reviewer is leasing right now are skipped rather than waited for.
    SQLite serialises writers (IMMEDIATE transactions), so there the plain query is enough.
    """
    candidates = _pending(facility).exclude(pk__in=exclude).order_by("created_at", "id")
    if flag:
        candidates = candidates.filter(flags__kind=flag)  # one flag per kind: no duplicate rows
    if connection.features.has_select_for_update_skip_locked:
        candidates = candidates.select_for_update(skip_locked=True, of=("self",))
    return list(candidates.values_list("pk", flat=True)[:limit])


def review_leases_acquire(
    *, facility: Facility, actor: Actor, want: int = BATCH, flag: str = ""
) -> list[int]:
    """Make sure the reviewer holds ``want`` waiting photos (fewer if the queue runs short).

    With ``flag`` (a ``PhotoFlag.Kind``) the reviewer works on photos carrying that flag: the
    photos they held without it go back to the queue for others.

    Returns the ids of the photos the reviewer holds, oldest first: the ones they already held
    (renewed) and new ones that nobody else holds. Audited only by the decisions made under them.
    """
    user = actor.user
    if user is None:
        raise LeaseError(gettext("Only a signed-in reviewer can hold photos."))
    want = max(1, min(want, MAX_HELD))
    now = timezone.now()
    if not flag:
        # A reload (or the grid's "next photos") while every photo held is still waiting and held
        # for long enough that the heartbeat would not renew it yet: one read, nothing written.
        held = list(
            ReviewLease.objects.filter(facility=facility, reviewer=user)
            .order_by("photo__created_at", "photo_id")
            .values_list("photo_id", "expires_at", "photo__status")
        )
        renew_from = now + timedelta(seconds=RENEW_BELOW_SECONDS)
        if len(held) >= want and all(
            expires >= renew_from and status == Photo.Status.PENDING_REVIEW
            for _, expires, status in held
        ):
            return [pk for pk, _, _ in held]
    return _leases_acquire(facility=facility, user=user, want=want, flag=flag, now=now)


@transaction.atomic
def _leases_acquire(*, facility: Facility, user, want: int, flag: str, now) -> list[int]:
    expires = now + timedelta(seconds=LEASE_SECONDS)
    mine = ReviewLease.objects.filter(facility=facility, reviewer=user)
    # Leases on photos that were decided elsewhere (or withdrawn) are of no use any more.
    mine.exclude(photo__status=Photo.Status.PENDING_REVIEW).delete()
    if flag:
        mine.exclude(photo__flags__kind=flag).delete()
    # My own lapsed leases are still mine if nobody took them over: renew them all.
    mine.update(expires_at=expires)
    held = list(mine.order_by("photo__created_at", "photo_id").values_list("photo_id", flat=True))
    for _attempt in range(3):
        need = want - len(held)
        if need <= 0:
            break
        taken = set(
            ReviewLease.objects.filter(facility=facility, expires_at__gt=now).values_list(
                "photo_id", flat=True
            )
        )
        ids = _lock_free_photos(facility=facility, exclude=taken | set(held), limit=need, flag=flag)
        if not ids:
            break
        # Under the photo locks: a lease someone committed since we looked is theirs.
        still_taken = set(
            ReviewLease.objects.filter(photo_id__in=ids, expires_at__gt=now).values_list(
                "photo_id", flat=True
            )
        )
        free = [pk for pk in ids if pk not in still_taken]
        ReviewLease.objects.filter(photo_id__in=free).delete()  # lapsed leases of others
        ReviewLease.objects.bulk_create(
            ReviewLease(
                photo_id=pk, facility=facility, reviewer=user, acquired_at=now, expires_at=expires
            )
            for pk in free
        )
        held.extend(free)
    return held


def review_leases_renew(*, facility: Facility, actor: Actor) -> list[int]:
    """Keep the reviewer's photos on hold while they are on screen; the ids still held.

    Photos decided by someone else or withdrawn meanwhile are dropped, so the page can take them
    off the screen. Writes only when a lease is near its end (the page asks every few seconds).
    """
    now = timezone.now()
    mine = ReviewLease.objects.filter(facility=facility, reviewer=actor.user)
    mine.filter(expires_at__lt=now + timedelta(seconds=RENEW_BELOW_SECONDS)).update(
        expires_at=now + timedelta(seconds=LEASE_SECONDS)
    )
    return list(
        mine.filter(photo__status=Photo.Status.PENDING_REVIEW)
        .order_by("photo__created_at", "photo_id")
        .values_list("photo_id", flat=True)
    )


def review_leases_release(*, facility: Facility, actor: Actor) -> int:
    """The reviewer left the review page: their photos go back to the queue in a moment.

    The holds end ``RELEASE_GRACE_SECONDS`` from now rather than at once: leaving may be a reload
    or the grid's "next photos", whose new page renews the same holds before that (the browser
    sends the release without waiting, so it may arrive after the new page's first request).
    """
    soon = timezone.now() + timedelta(seconds=RELEASE_GRACE_SECONDS)
    return ReviewLease.objects.filter(
        facility=facility, reviewer=actor.user, expires_at__gt=soon
    ).update(expires_at=soon)


def _check_lease(photo: Photo, actor: Actor, now) -> None:
    user = actor.user
    assert user is not None  # photo_decide refuses actors without a user
    lease = ReviewLease.objects.filter(photo=photo).first()
    if lease is None or (lease.reviewer_id != user.pk and lease.expires_at <= now):
        # Nobody holds it (a lapsed hold, or a page opened before leases): hand it over now, and
        # ask the reviewer to look before deciding.
        ReviewLease.objects.update_or_create(
            photo=photo,
            defaults={
                "facility_id": photo.facility_id,
                "reviewer": user,
                "acquired_at": now,
                "expires_at": now + timedelta(seconds=LEASE_SECONDS),
            },
        )
        raise LeaseError(
            gettext("This photo has only just reached your screen: look at it, then decide.")
        )
    if lease.reviewer_id != user.pk:
        raise LeaseError(
            gettext("Another reviewer has this photo on screen; it is theirs to decide.")
        )
    if now - lease.acquired_at < MIN_LOOK:
        raise LeaseError(
            gettext("This photo has only just reached your screen: look at it, then decide.")
        )


def photo_decide(
    *, photo: Photo | int, actor: Actor, reason: RejectionReason | None = None
) -> Photo:
    """Approve the photo (``reason`` None) or reject it, under the reviewer's lease.

    Raises ``LeaseError`` when the reviewer does not hold the photo or got it less than
    ``MIN_LOOK`` ago, and ``PhotoStateError`` when it was decided already. The lease ends with the
    decision. Runs in one transaction with the approval or rejection (refund, audit, notice).
    """
    if actor.user is None:
        raise LeaseError(gettext("Only a signed-in reviewer can decide photos."))
    pk = photo.pk if isinstance(photo, Photo) else photo
    lease_problem: LeaseError | None = None
    with transaction.atomic():
        locked = Photo.objects.select_for_update().get(pk=pk)
        if locked.status != Photo.Status.PENDING_REVIEW:
            raise PhotoStateError(locked, "rejected" if reason else "approved")
        try:
            _check_lease(locked, actor, timezone.now())
        except LeaseError as error:
            lease_problem = error  # raised after the commit, so a fresh lease is kept
        else:
            if reason is None:
                decided = photo_approve(photo=locked, actor=actor)
            else:
                decided = photo_reject(photo=locked, actor=actor, reason=reason)
            ReviewLease.objects.filter(photo=locked).delete()
    if lease_problem is not None:
        raise lease_problem
    return decided


@transaction.atomic
def photo_decision_undo(*, photo: Photo | int, actor: Actor) -> Photo:
    """Take back the reviewer's own decision within ``UNDO_SECONDS``: the photo waits again.

    An approval simply goes back to the queue. A rejection's refund is taken back by a new charge
    (``photo_charge:<id>:undo:<n>``; ledger rows are never deleted) and its notice, which waits
    ``REJECTION_NOTICE_DELAY``, finds the photo no longer rejected and is not sent. If the sender
    has spent the refund meanwhile, the undo is refused and the rejection stands. The photo goes
    back to the same reviewer's hold.
    """
    pk = photo.pk if isinstance(photo, Photo) else photo
    photo = Photo.objects.select_for_update().get(pk=pk)
    now = timezone.now()
    if photo.status not in (Photo.Status.APPROVED, Photo.Status.REJECTED):
        raise UndoRefused(
            gettext("This photo is %(status)s: nothing to undo.")
            % {"status": photo.get_status_display().lower()}
        )
    if actor.user is None or photo.reviewed_by_id != actor.user.pk:
        raise UndoRefused(
            gettext("Only the reviewer who decided this photo can undo the decision.")
        )
    if photo.reviewed_at is None or now - photo.reviewed_at > timedelta(seconds=UNDO_SECONDS):
        raise UndoRefused(
            gettext("A decision can be undone for %(seconds)d seconds only; this one stands.")
            % {"seconds": UNDO_SECONDS}
        )
    undone = photo.status
    if undone == Photo.Status.REJECTED:
        try:
            credits_recharge_photo(photo=photo, actor=actor)
        except InsufficientCredits:
            raise UndoRefused(
                gettext(
                    "The sender has already spent the refunded credits, so the rejection stands."
                )
            ) from None
    reason = photo.rejection_reason
    photo.status = Photo.Status.PENDING_REVIEW
    photo.reviewed_by = None
    photo.reviewed_at = None
    photo.rejection_reason = None
    photo.save(update_fields=["status", "reviewed_by", "reviewed_at", "rejection_reason"])
    ReviewLease.objects.update_or_create(
        photo=photo,
        defaults={
            "facility_id": photo.facility_id,
            "reviewer": actor.user,
            "acquired_at": now,
            "expires_at": now + timedelta(seconds=LEASE_SECONDS),
        },
    )
    audit_log(
        "photo.decision_undone",
        actor=actor,
        target=photo,
        data={"undone": str(undone), **({"reason": reason.code} if reason else {})},
    )
    return photo


@transaction.atomic
def review_lease_take(*, photo: Photo, actor: Actor) -> bool:
    """Hold one particular photo (its record page, opened from the history): True if now held.

    False when another reviewer holds it, so the page can say so instead of offering decisions.
    """
    now = timezone.now()
    photo = Photo.objects.select_for_update().get(pk=photo.pk)
    if photo.status != Photo.Status.PENDING_REVIEW or actor.user is None:
        return False
    lease = ReviewLease.objects.filter(photo=photo).first()
    if lease is not None and lease.reviewer_id != actor.user.pk and lease.expires_at > now:
        return False
    if lease is not None and lease.reviewer_id == actor.user.pk:
        lease.expires_at = now + timedelta(seconds=LEASE_SECONDS)
        lease.save(update_fields=["expires_at"])
        return True
    ReviewLease.objects.update_or_create(
        photo=photo,
        defaults={
            "facility_id": photo.facility_id,
            "reviewer": actor.user,
            "acquired_at": now,
            "expires_at": now + timedelta(seconds=LEASE_SECONDS),
        },
    )
    return True
