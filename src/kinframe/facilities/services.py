"""Changing a facility's own settings: whether it takes photos, their price, its rejection reasons.

Each function runs in one transaction, locks the row it changes and writes an audit event with the
old and new values, so an investigator can see who turned photos off or raised the price, and when.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max
from django.utils.text import slugify
from django.utils.translation import gettext

from kinframe.audit.actors import Actor
from kinframe.audit.services import audit_log

from .models import Facility, RejectionReason


class FacilitySettingsError(ValueError):
    """The change was refused; the message is for the staff member who asked. Nothing was written."""


#: The review target a facility may set, in minutes: five minutes to a week.
REVIEW_TARGET_RANGE = (5, 7 * 24 * 60)


@transaction.atomic
def facility_update_settings(
    *,
    facility: Facility,
    actor: Actor,
    photos_enabled: bool,
    photo_price: int,
    review_target_minutes: int | None = None,
) -> Facility:
    """Turn photos on or off, set their price (whole credits, at least 1) and the review target.

    A new price applies to photos sent from now on; photos already sent keep the price they were
    charged, so a refund always gives back exactly what was taken. ``review_target_minutes`` (None:
    unchanged) is how long a photo should wait at most; reviewers see the oldest one's age against it.
    """
    if isinstance(photo_price, bool) or not isinstance(photo_price, int) or photo_price < 1:
        raise FacilitySettingsError(
            gettext("The photo price must be a whole number of credits, at least 1.")
        )
    if review_target_minutes is not None and not (
        isinstance(review_target_minutes, int)
        and not isinstance(review_target_minutes, bool)
        and REVIEW_TARGET_RANGE[0] <= review_target_minutes <= REVIEW_TARGET_RANGE[1]
    ):
        raise FacilitySettingsError(
            gettext(
                "The review target must be a whole number of minutes from %(low)d to %(high)d "
                "(a week)."
            )
            % {"low": REVIEW_TARGET_RANGE[0], "high": REVIEW_TARGET_RANGE[1]}
        )
    facility = Facility.objects.select_for_update().get(pk=facility.pk)
    changes: dict[str, list[bool] | list[int]] = {}
    if facility.photos_enabled != photos_enabled:
        changes["photos_enabled"] = [facility.photos_enabled, photos_enabled]
        facility.photos_enabled = photos_enabled
    if facility.photo_price != photo_price:
        changes["photo_price"] = [facility.photo_price, photo_price]
        facility.photo_price = photo_price
    if (
        review_target_minutes is not None
        and facility.review_target_minutes != review_target_minutes
    ):
        changes["review_target_minutes"] = [facility.review_target_minutes, review_target_minutes]
        facility.review_target_minutes = review_target_minutes
    if not changes:
        return facility
    facility.save(update_fields=list(changes))
    audit_log(
        "facility.settings_changed",
        actor=actor,
        target=facility,
        facility=facility,
        data=changes,
    )
    return facility


def _unique_code(facility: Facility, label: str) -> str:
    base = slugify(label)[:32] or "reason"
    taken = set(
        RejectionReason.objects.filter(facility=facility, code__startswith=base).values_list(
            "code", flat=True
        )
    )
    code, n = base, 2
    while code in taken:
        code, n = f"{base}-{n}", n + 1
    return code


@transaction.atomic
def rejection_reason_save(
    *,
    facility: Facility,
    actor: Actor,
    label: str,
    sender_message: str,
    sender_message_es: str = "",
    is_active: bool = True,
    reason: RejectionReason | None = None,
) -> RejectionReason:
    """Add a rejection reason to ``facility`` (``reason=None``) or change one of its reasons.

    Reasons are never deleted, because rejected photos point at them; ``is_active=False`` takes one
    out of the review queue's choices. A new reason gets a code made from its label, unique within
    the facility, and goes to the end of the list.

    The audit data says ``reason`` for the code: keys containing "code" are masked as secrets.
    """
    label = label.strip()
    sender_message = sender_message.strip()
    sender_message_es = sender_message_es.strip()
    if not label or not sender_message:
        raise FacilitySettingsError(
            gettext("A reason needs a label and the text the sender reads.")
        )
    if len(label) > 100 or len(sender_message) > 300 or len(sender_message_es) > 300:
        raise FacilitySettingsError(
            gettext("Keep the label under 100 and the sender's texts under 300 characters.")
        )
    if reason is None:
        Facility.objects.select_for_update().get(pk=facility.pk)  # serialises new codes
        position = (
            RejectionReason.objects.filter(facility=facility).aggregate(m=Max("position"))["m"] or 0
        )
        reason = RejectionReason.objects.create(
            facility=facility,
            code=_unique_code(facility, label),
            label=label,
            sender_message=sender_message,
            sender_message_es=sender_message_es,
            is_active=is_active,
            position=position + 1,
        )
        audit_log(
            "facility.reason_added",
            actor=actor,
            target=reason,
            facility=facility,
            data={
                "reason": reason.code,
                "label": label,
                "sender_message": sender_message,
                "sender_message_es": sender_message_es,
            },
        )
        return reason
    reason = RejectionReason.objects.select_for_update().get(pk=reason.pk)
    if reason.facility_id != facility.pk:
        raise FacilitySettingsError(gettext("That reason belongs to another facility."))
    changes = {}
    for field, value in (
        ("label", label),
        ("sender_message", sender_message),
        ("sender_message_es", sender_message_es),
        ("is_active", is_active),
    ):
        if getattr(reason, field) != value:
            changes[field] = [getattr(reason, field), value]
            setattr(reason, field, value)
    if changes:
        reason.save(update_fields=list(changes))
        audit_log(
            "facility.reason_changed",
            actor=actor,
            target=reason,
            facility=facility,
            data={"reason": reason.code, **changes},
        )
    return reason
