"""Appeals: a sender's one request for a second look at a rejection, and admins' reversals.

A sender may appeal a rejected photo once, within :data:`APPEAL_WINDOW` of the rejection, with a
short note. Appealing takes the photo's price again (``appeal_charge:<appeal id>``, the sender is
told the amount before asking). A different reviewer decides, and that decision is final:
granted delivers the photo and keeps the charge; upheld refunds it (``appeal_refund:<appeal id>``),
exactly once, by the ledger's unique reference.

A facility admin may reverse a decision made in error, with a reason, which the audit trail keeps.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from kinframe.audit.actors import Actor
from kinframe.audit.services import audit_log
from kinframe.credits.models import LedgerEntry
from kinframe.credits.services import credits_refund_photo, ledger_post
from kinframe.facilities.models import RejectionReason, StaffMembership
from kinframe.notify import events

from .models import Appeal, Photo

#: How long after the rejection a sender may still appeal.
APPEAL_WINDOW = timedelta(days=30)
NOTE_MAX = 500


class AppealError(Exception):
    """The appeal or reversal is not allowed; ``str(exc)`` says why. Nothing was changed."""


def appeal_deadline(photo: Photo):
    return photo.reviewed_at + APPEAL_WINDOW if photo.reviewed_at else None


def appeal_refusal(photo: Photo, *, now=None, appealed: bool | None = None) -> str | None:
    """Why this photo cannot be appealed right now, or None if it can (for pages and the service).

    ``appealed`` saves the query when the caller already knows (a list that joined the appeal).
    """
    now = now or timezone.now()
    if photo.status != Photo.Status.REJECTED:
        return gettext("Only a rejected photo can be appealed.")
    if appealed is None:
        appealed = Appeal.objects.filter(photo_id=photo.pk).exists()
    if appealed:
        return gettext("This photo has already been appealed; a photo can be appealed once.")
    deadline = appeal_deadline(photo)
    if deadline is None or now > deadline:
        return gettext("Appeals are possible for 30 days after a rejection; this one is older.")
    return None


@transaction.atomic
def appeal_create(*, actor: Actor, photo: Photo | int, note: str) -> Appeal:
    """The sender asks for a second look. Charges the photo's price; raises ``AppealError`` or
    ``InsufficientCredits`` with nothing written."""
    pk = photo.pk if isinstance(photo, Photo) else photo
    photo = Photo.objects.select_for_update().get(pk=pk)
    if actor.user is None or photo.sender_id != actor.user.pk:
        raise AppealError(gettext("Only the sender can appeal a photo."))
    note = (note or "").strip()
    if not note:
        raise AppealError(gettext("Say in a few words why the photo should be looked at again."))
    if len(note) > NOTE_MAX:
        raise AppealError(
            gettext("Keep the note under %(count)d characters.") % {"count": NOTE_MAX}
        )
    refusal = appeal_refusal(photo)
    if refusal:
        raise AppealError(refusal)
    appeal = Appeal.objects.create(
        photo=photo,
        facility_id=photo.facility_id,
        sender=actor.user,
        note=note,
        price=photo.price,
        original_reviewer=photo.reviewed_by,
    )
    ledger_post(  # InsufficientCredits rolls the appeal back with it
        user=photo.sender,
        kind=LedgerEntry.Kind.APPEAL_CHARGE,
        amount=-appeal.price,
        reference=f"appeal_charge:{appeal.pk}",
        photo=photo,
        memo="Appeal of a rejected photo",
        actor=actor,
    )
    audit_log(
        "photo.appealed",
        actor=actor,
        target=photo,
        facility=photo.facility,
        data={"appeal": appeal.pk, "price": appeal.price},
    )
    return appeal


@transaction.atomic
def appeal_decide(*, actor: Actor, appeal: Appeal | int, grant: bool, note: str = "") -> Appeal:
    """A reviewer other than the one who rejected the photo decides the appeal, finally.

    Granted: the photo is delivered and the appeal's charge pays for it. Upheld: the rejection
    stands and the appeal's charge comes back, once.
    """
    pk = appeal.pk if isinstance(appeal, Appeal) else appeal
    appeal = Appeal.objects.select_for_update().get(pk=pk)
    photo = Photo.objects.select_for_update().get(pk=appeal.photo_id)
    membership = actor.membership
    if membership is None or membership.facility_id != appeal.facility_id:
        raise AppealError(gettext("Only the facility's staff can decide this appeal."))
    if membership.role not in (StaffMembership.Role.REVIEWER, StaffMembership.Role.ADMIN):
        raise AppealError(gettext("Only a reviewer or a facility admin can decide an appeal."))
    if actor.user is not None and actor.user.pk in (
        appeal.original_reviewer_id,
        photo.reviewed_by_id,
    ):
        raise AppealError(
            gettext("Another reviewer must decide this appeal: you made the first decision.")
        )
    if appeal.status != Appeal.Status.PENDING:
        raise AppealError(gettext("This appeal has already been decided; that decision is final."))
    if photo.status != Photo.Status.REJECTED:
        raise AppealError(
            gettext("The photo is no longer rejected, so the appeal has nothing to decide.")
        )
    now = timezone.now()
    appeal.status = Appeal.Status.GRANTED if grant else Appeal.Status.UPHELD
    appeal.decided_by = actor.user
    appeal.decided_at = now
    appeal.decision_note = (note or "").strip()[:NOTE_MAX]
    appeal.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    if grant:
        photo.status = Photo.Status.APPROVED
        photo.reviewed_by = actor.user
        photo.reviewed_at = now
        photo.save(update_fields=["status", "reviewed_by", "reviewed_at"])
        events.publish_on_commit(events.PHOTO_DELIVERED, photo_id=photo.pk)
    else:
        _refund_appeal(appeal, actor=actor)
    audit_log(
        "photo.appeal_granted" if grant else "photo.appeal_upheld",
        actor=actor,
        target=photo,
        facility=photo.facility,
        data={"appeal": appeal.pk, "first_reviewer": appeal.original_reviewer_id},
    )
    return appeal


def _refund_appeal(appeal: Appeal, *, actor: Actor) -> LedgerEntry:
    return ledger_post(
        user=appeal.sender,
        kind=LedgerEntry.Kind.APPEAL_REFUND,
        amount=appeal.price,
        reference=f"appeal_refund:{appeal.pk}",
        photo=appeal.photo,
        memo="Appeal refunded",
        actor=actor,
    )


@transaction.atomic
def photo_decision_reverse(
    *,
    actor: Actor,
    photo: Photo | int,
    why: str,
    reason: RejectionReason | None = None,
) -> Photo:
    """A facility admin reverses a decision made in error, saying why.

    A wrongful rejection is delivered, free: the sender keeps the refund (and an appeal's charge,
    if one was pending, comes back). A wrongful approval is withdrawn from the recipient with one
    of the facility's ``reason``s and refunded once; if it had been granted on appeal, the
    appeal's charge is refunded too.
    """
    pk = photo.pk if isinstance(photo, Photo) else photo
    photo = Photo.objects.select_for_update().get(pk=pk)
    membership = actor.membership
    if (
        membership is None
        or membership.facility_id != photo.facility_id
        or membership.role != StaffMembership.Role.ADMIN
    ):
        raise AppealError(gettext("Only a facility admin can reverse a decision."))
    why = (why or "").strip()
    if not why:
        raise AppealError(gettext("Say why the decision was made in error."))
    appeal = Appeal.objects.select_for_update().filter(photo_id=photo.pk).first()
    now = timezone.now()
    before = photo.status
    if photo.status == Photo.Status.REJECTED:
        photo.status = Photo.Status.APPROVED
        photo.reviewed_by = actor.user
        photo.reviewed_at = now
        photo.save(update_fields=["status", "reviewed_by", "reviewed_at"])
        if appeal is not None and appeal.status == Appeal.Status.PENDING:
            # The facility's error: the appeal is answered by the reversal and costs nothing.
            appeal.status = Appeal.Status.GRANTED
            appeal.decided_by = actor.user
            appeal.decided_at = now
            appeal.decision_note = f"Decision reversed by a facility admin: {why}"[:NOTE_MAX]
            appeal.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
            _refund_appeal(appeal, actor=actor)
        events.publish_on_commit(events.PHOTO_DELIVERED, photo_id=photo.pk)
    elif photo.status == Photo.Status.APPROVED:
        if reason is None or reason.facility_id != photo.facility_id or not reason.is_active:
            raise AppealError(gettext("Choose one of the facility's reasons for the sender."))
        photo.status = Photo.Status.REJECTED
        photo.reviewed_by = actor.user
        photo.reviewed_at = now
        photo.rejection_reason = reason
        photo.save(update_fields=["status", "reviewed_by", "reviewed_at", "rejection_reason"])
        credits_refund_photo(photo=photo, actor=actor)
        if appeal is not None and appeal.status == Appeal.Status.GRANTED:
            _refund_appeal(appeal, actor=actor)
    else:
        raise AppealError(gettext("Only an approved or rejected photo has a decision to reverse."))
    audit_log(
        "photo.decision_reversed",
        actor=actor,
        target=photo,
        facility=photo.facility,
        data={"from": before, "to": photo.status, "why": why[:NOTE_MAX]},
    )
    return photo
