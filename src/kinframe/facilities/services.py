"""Changing a facility's own settings: whether it takes photos, their price, its rejection reasons.

Each function runs in one transaction, locks the row it changes and writes an audit event with the
old and new values, so an investigator can see who turned photos off or raised the price, and when.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max
from django.utils.text import slugify

from kinframe.audit.services import audit_log

from .models import Facility, Inmate, RejectionReason


class FacilitySettingsError(ValueError):
    """The change was refused; the message is for the staff member who asked. Nothing was written."""


@transaction.atomic
def facility_update_settings(
    *, facility: Facility, actor, photos_enabled: bool, photo_price: int
) -> Facility:
    """Turn photos on or off and set their price (whole credits, at least 1).

    A new price applies to photos sent from now on; photos already sent keep the price they were
    charged, so a refund always gives back exactly what was taken.
    """
    if isinstance(photo_price, bool) or not isinstance(photo_price, int) or photo_price < 1:
        raise FacilitySettingsError(
            "The photo price must be a whole number of credits, at least 1."
        )
    facility = Facility.objects.select_for_update().get(pk=facility.pk)
    changes: dict[str, list[bool] | list[int]] = {}
    if facility.photos_enabled != photos_enabled:
        changes["photos_enabled"] = [facility.photos_enabled, photos_enabled]
        facility.photos_enabled = photos_enabled
    if facility.photo_price != photo_price:
        changes["photo_price"] = [facility.photo_price, photo_price]
        facility.photo_price = photo_price
    if not changes:
        return facility
    facility.save(update_fields=list(changes))
    audit_log(
        "facility.settings_changed",
        actor=actor,
        actor_kind="staff",
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
    actor,
    label: str,
    sender_message: str,
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
    if not label or not sender_message:
        raise FacilitySettingsError("A reason needs a label and the text the sender reads.")
    if len(label) > 100 or len(sender_message) > 300:
        raise FacilitySettingsError(
            "Keep the label under 100 and the sender's text under 300 characters."
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
            is_active=is_active,
            position=position + 1,
        )
        audit_log(
            "facility.reason_added",
            actor=actor,
            actor_kind="staff",
            target=reason,
            facility=facility,
            data={"reason": reason.code, "label": label, "sender_message": sender_message},
        )
        return reason
    reason = RejectionReason.objects.select_for_update().get(pk=reason.pk)
    if reason.facility_id != facility.pk:
        raise FacilitySettingsError("That reason belongs to another facility.")
    changes = {}
    for field, value in (
        ("label", label),
        ("sender_message", sender_message),
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
            actor_kind="staff",
            target=reason,
            facility=facility,
            data={"reason": reason.code, **changes},
        )
    return reason


@transaction.atomic
def inmate_release(
    *, inmate: Inmate, actor=None, actor_kind: str | None = None, audit_data: dict | None = None
) -> Inmate:
    """The person has left custody: they can no longer be found, sign in, or receive photos.

    Photos still on their way become undeliverable and are refunded, in the same transaction.
    """
    from kinframe.photos.services import photos_undeliverable_for_inmate

    inmate = Inmate.objects.select_for_update().get(pk=inmate.pk)
    if inmate.status == Inmate.Status.RELEASED:
        return inmate
    inmate.status = Inmate.Status.RELEASED
    inmate.save(update_fields=["status", "updated_at"])
    refunded = photos_undeliverable_for_inmate(inmate=inmate, actor=actor, actor_kind=actor_kind)
    audit_log(
        "inmate.released",
        actor=actor,
        actor_kind=actor_kind,
        target=inmate,
        facility=inmate.facility,
        data={**(audit_data or {}), "photos_undeliverable": refunded},
    )
    return inmate


@transaction.atomic
def inmate_transfer(
    *,
    inmate: Inmate,
    facility: Facility,
    actor=None,
    actor_kind: str | None = None,
    audit_data: dict | None = None,
) -> Inmate:
    """Move the person to another facility of the same agency (the inmate number stays theirs).

    Photos sent to the facility they left were reviewed under its rules, so the ones not yet
    delivered become undeliverable and are refunded; the sender may send again.
    """
    from kinframe.photos.services import photos_undeliverable_for_inmate

    inmate = Inmate.objects.select_for_update().get(pk=inmate.pk)
    if facility.agency_id != inmate.agency_id:
        raise FacilitySettingsError("A person can only be moved between one agency's facilities.")
    previous = inmate.facility
    if previous.pk == facility.pk:
        return inmate
    inmate.facility = facility
    inmate.save(update_fields=["facility", "updated_at"])
    refunded = photos_undeliverable_for_inmate(
        inmate=inmate, actor=actor, actor_kind=actor_kind, facility=previous
    )
    audit_log(
        "inmate.transferred",
        actor=actor,
        actor_kind=actor_kind,
        target=inmate,
        facility=previous,
        data={
            **(audit_data or {}),
            "from": previous.code,
            "to": facility.code,
            "photos_undeliverable": refunded,
        },
    )
    return inmate


@transaction.atomic
def inmate_readmit(
    *, inmate: Inmate, actor=None, actor_kind: str | None = None, audit_data: dict | None = None
) -> Inmate:
    """A released person is booked again under the same number; their connections still stand."""
    inmate = Inmate.objects.select_for_update().get(pk=inmate.pk)
    if inmate.status == Inmate.Status.ACTIVE:
        return inmate
    inmate.status = Inmate.Status.ACTIVE
    inmate.save(update_fields=["status", "updated_at"])
    audit_log(
        "inmate.readmitted",
        actor=actor,
        actor_kind=actor_kind,
        target=inmate,
        facility=inmate.facility,
        data=audit_data or {},
    )
    return inmate


@transaction.atomic
def inmate_book(
    *,
    agency,
    facility: Facility,
    number: str,
    first_name: str,
    last_name: str,
    actor=None,
    actor_kind: str | None = None,
    audit_data: dict | None = None,
) -> tuple[Inmate, bool]:
    """The agency's roster says this person is held at ``facility`` under ``number``: make it so.

    Books a new person (returns ``(inmate, True)``) or brings the existing record in line
    (``(inmate, False)``): corrects the names, moves them through ``inmate_transfer`` (which
    refunds photos addressed to the facility they left) and readmits them through
    ``inmate_readmit`` if they had been released. A roster feed sends the same line again and
    again, so an unchanged person writes nothing. ``audit_data`` is added to the audit event, e.g.
    which API client asked. A booking that races another booking of the same number becomes an
    update instead of failing.
    """
    from django.db import IntegrityError

    number, first_name, last_name = number.strip(), first_name.strip(), last_name.strip()
    if facility.agency_id != agency.pk:
        raise FacilitySettingsError("That facility belongs to another agency.")
    if not number or not first_name or not last_name:
        raise FacilitySettingsError("A booking needs an inmate number, a first and a last name.")
    if len(number) > 32 or len(first_name) > 100 or len(last_name) > 100:
        raise FacilitySettingsError(
            "Keep the inmate number under 32 and each name under 100 characters."
        )
    extra = dict(audit_data or {})
    inmate = Inmate.objects.select_for_update().filter(agency=agency, number=number).first()
    if inmate is None:
        try:
            with transaction.atomic():
                inmate = Inmate.objects.create(
                    agency=agency,
                    facility=facility,
                    number=number,
                    first_name=first_name,
                    last_name=last_name,
                )
        except IntegrityError:  # booked by a concurrent request a moment ago
            inmate = Inmate.objects.select_for_update().get(agency=agency, number=number)
        else:
            audit_log(
                "inmate.booked",
                actor=actor,
                actor_kind=actor_kind,
                target=inmate,
                facility=facility,
                data={**extra, "number": number, "facility": facility.code},
            )
            return inmate, True

    changes: dict = {}
    for field, value in (("first_name", first_name), ("last_name", last_name)):
        if getattr(inmate, field) != value:
            changes[field] = [getattr(inmate, field), value]
            setattr(inmate, field, value)
    if changes:
        inmate.save(update_fields=[*changes, "updated_at"])
    if inmate.facility_id != facility.pk:
        changes["facility"] = [inmate.facility.code, facility.code]
        inmate = inmate_transfer(
            inmate=inmate, facility=facility, actor=actor, actor_kind=actor_kind, audit_data=extra
        )
    if inmate.status != Inmate.Status.ACTIVE:
        changes["status"] = [inmate.status, Inmate.Status.ACTIVE.value]
        inmate = inmate_readmit(inmate=inmate, actor=actor, actor_kind=actor_kind, audit_data=extra)
    if changes:
        audit_log(
            "inmate.rebooked",
            actor=actor,
            actor_kind=actor_kind,
            target=inmate,
            facility=facility,
            data={**extra, **changes},
        )
    return inmate, False
