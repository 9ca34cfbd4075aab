"""Writes to accounts. allauth's adapter calls these, so its hooks stay thin like any view."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kinframe.audit.actors import Actor
from kinframe.audit.services import audit_log
from kinframe.facilities.models import Facility, StaffMembership
from kinframe.languages import language_of, supported_language

from .models import EnrolmentLink, User
from .phones import normalize_phone


@transaction.atomic
def user_set_phone(*, user: User, phone: str, verified: bool = False) -> User:
    """Give ``user`` a (new) mobile number; a changed number must be verified again."""
    locked = User.objects.select_for_update().get(pk=user.pk)
    phone = normalize_phone(phone)
    if locked.phone == phone and locked.phone_verified == verified:
        return locked
    previous = locked.phone
    locked.phone = phone
    locked.phone_verified = verified
    locked.save(update_fields=["phone", "phone_verified"])
    audit_log(
        "account.phone_set",
        actor=Actor.for_user(locked),
        target=locked,
        data={"changed": bool(previous) and previous != phone, "verified": verified},
    )
    user.phone, user.phone_verified = locked.phone, locked.phone_verified
    return locked


@transaction.atomic
def user_verify_phone(*, user: User, phone: str) -> User:
    """Record that ``user`` proved they hold ``phone``: a code texted to it came back.

    At sign-up (or sign-in) that is the number already on the account; when a signed-in user
    changes their number, allauth verifies the new one first, and only then does it replace the old.
    """
    phone = normalize_phone(phone)
    locked = User.objects.select_for_update().get(pk=user.pk)
    if locked.phone == phone and locked.phone_verified:
        return locked
    if User.objects.filter(phone=phone).exclude(pk=locked.pk).exists():
        # Someone else holds the number (verified after this code was sent); keep things as they are.
        return locked
    previous = locked.phone
    locked.phone = phone
    locked.phone_verified = True
    locked.save(update_fields=["phone", "phone_verified"])
    audit_log(
        "account.phone_verified",
        actor=Actor.for_user(locked),
        target=locked,
        data={"changed": bool(previous) and previous != phone},
    )
    user.phone, user.phone_verified = locked.phone, locked.phone_verified
    return locked


# --- Second-factor enrolment links ------------------------------------------------------------------
class EnrolmentLinkError(Exception):
    """A link that cannot be issued or used; ``str()`` is the message for the person."""


INVALID_LINK = gettext_lazy(
    "This enrolment link is not valid. Ask your facility admin for a new one."
)
USED_LINK = gettext_lazy(
    "This enrolment link has been used already. Ask your facility admin for a new one."
)
EXPIRED_LINK = gettext_lazy(
    "This enrolment link has expired. Ask your facility admin for a new one."
)


def enrolment_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _may_issue(actor: Actor, user: User, facility: Facility | None) -> bool:
    """Operators (and the system, for the first operator) enrol anyone; a facility admin enrols
    the members of their own facility, never an operator."""
    if actor.kind in {Actor.Kind.OPERATOR, Actor.Kind.SYSTEM}:
        return True
    membership = actor.membership
    return (
        membership is not None
        and membership.role == StaffMembership.Role.ADMIN
        and facility is not None
        and membership.facility_id == facility.pk
        and not user.is_superuser
        and StaffMembership.objects.filter(user=user, facility=facility).exists()
    )


@transaction.atomic
def enrolment_link_issue(
    *, actor: Actor, user: User, facility: Facility | None = None
) -> tuple[EnrolmentLink, str]:
    """Issue a one-time link for ``user`` to set up a second factor; returns it and its token.

    The token is shown once to whoever issued it and never stored. Issuing a new link withdraws any
    earlier link still unused, so only the latest one works.
    """
    locked = User.objects.select_for_update().get(pk=user.pk)
    if not locked.is_active:
        raise EnrolmentLinkError(_("This account is switched off."))
    if not _may_issue(actor, locked, facility):
        raise EnrolmentLinkError(_("You may not issue an enrolment link for this person."))
    now = timezone.now()
    EnrolmentLink.objects.filter(user=locked, used_at__isnull=True, expires_at__gt=now).update(
        expires_at=now
    )
    token = secrets.token_urlsafe(32)
    link = EnrolmentLink.objects.create(
        user=locked,
        token_hash=enrolment_token_hash(token),
        issued_by=actor.user,
        expires_at=now + timedelta(hours=settings.MFA_ENROLMENT_LINK_HOURS),
    )
    audit_log(
        "account.mfa_enrolment_link_issued",
        actor=actor,
        target=locked,
        facility=facility,
        data={"link": link.pk, "expires_at": link.expires_at.isoformat()},
    )
    return link, token


@transaction.atomic
def enrolment_link_redeem(*, actor: Actor, user: User, token: str) -> EnrolmentLink:
    """Use ``token`` once, as ``user`` (signed in with their password), to open the set-up pages."""
    link = (
        EnrolmentLink.objects.select_for_update()
        .filter(token_hash=enrolment_token_hash(token))
        .first()
    )
    if link is None or link.user_id != user.pk:
        raise EnrolmentLinkError(INVALID_LINK)
    if link.used_at is not None:
        raise EnrolmentLinkError(USED_LINK)
    now = timezone.now()
    if link.expires_at <= now:
        raise EnrolmentLinkError(EXPIRED_LINK)
    link.used_at = now
    link.save(update_fields=["used_at"])
    audit_log("account.mfa_enrolment_link_used", actor=actor, target=user, data={"link": link.pk})
    return link


# --- A facility's staff, managed by its admins -------------------------------------------------------


class StaffChangeError(ValueError):
    """The staff change cannot be made; ``str(exc)`` says why, for the facility admin."""


def _require_facility_admin(actor: Actor, facility: Facility) -> None:
    if not actor.is_admin_of(facility):
        raise PermissionError("Only the facility's admins manage its staff.")


def _username_for(email: str) -> str:
    base = "".join(c for c in email.split("@")[0].lower() if c.isalnum() or c in "._-")[:100]
    base = base or "staff"
    candidate, n = base, 1
    while User.objects.filter(username__iexact=candidate).exists():
        n += 1
        candidate = f"{base}{n}"
    return candidate


def _notify_added(user_id: int, facility_id: int, new_account: bool) -> None:
    from kinframe.notify.services import send_email

    user = User.objects.get(pk=user_id)
    facility = Facility.objects.get(pk=facility_id)
    if user.email:
        with translation.override(language_of(user)):
            send_email(
                to=user.email,
                subject=_("You were added to %(facility)s's staff") % {"facility": facility.name},
                template="staff_added",
                context={"user": user, "facility": facility, "new_account": new_account},
            )


@transaction.atomic
def staff_member_add(*, actor: Actor, facility: Facility, email: str, role: str) -> StaffMembership:
    """Give the account with ``email`` a role at ``facility``, creating the account if none exists.

    A new account has no usable password: the email asks the person to set one through the
    password reset page, then their admin issues a second-factor enrolment link. A sender's
    account cannot become staff (staff need an account of their own).
    """
    _require_facility_admin(actor, facility)
    email = (email or "").strip()
    if "@" not in email or len(email) > 254:
        raise StaffChangeError(_("Enter the person's email address."))
    if role not in StaffMembership.Role.values:
        raise StaffChangeError(_("Choose a role."))
    user = User.objects.filter(email__iexact=email).order_by("pk").first()
    new_account = user is None
    if user is None:
        user = User(username=_username_for(email), email=email)
        user.set_unusable_password()
        user.save()
    elif user.is_superuser:
        raise StaffChangeError(_("That is an operator's account."))
    elif user.connections.exists():
        raise StaffChangeError(_("That email belongs to a sender's account; staff need their own."))
    membership, created = StaffMembership.objects.get_or_create(
        user=user, facility=facility, defaults={"role": role}
    )
    if not created:
        raise StaffChangeError(
            _("%(username)s already works here.") % {"username": user.get_username()}
        )
    audit_log(
        "staff.added",
        actor=actor,
        target=membership,
        facility=facility,
        data={"user": user.get_username(), "role": role, "new_account": new_account},
    )
    transaction.on_commit(lambda: _notify_added(user.pk, facility.pk, new_account))
    return membership


def _locked_member(actor: Actor, facility: Facility, member: StaffMembership | int):
    _require_facility_admin(actor, facility)
    pk = member.pk if isinstance(member, StaffMembership) else member
    locked = (
        StaffMembership.objects.select_for_update(of=("self",))
        .select_related("user")
        .filter(pk=pk, facility=facility)
        .first()
    )
    if locked is None:
        raise PermissionError("That person does not work at this facility.")
    if actor.user is not None and locked.user_id == actor.user.pk:
        raise StaffChangeError(_("Ask another admin to change your own role or remove you."))
    return locked


@transaction.atomic
def staff_member_change_role(
    *, actor: Actor, facility: Facility, member: StaffMembership | int, role: str
) -> StaffMembership:
    """Change a colleague's role at ``facility`` (never one's own, so a facility keeps an admin)."""
    membership = _locked_member(actor, facility, member)
    if role not in StaffMembership.Role.values:
        raise StaffChangeError(_("Choose a role."))
    if membership.role == role:
        return membership
    was = membership.role
    membership.role = role
    membership.save(update_fields=["role"])
    audit_log(
        "staff.role_changed",
        actor=actor,
        target=membership,
        facility=facility,
        data={"user": membership.user.get_username(), "from": was, "to": role},
    )
    return membership


@transaction.atomic
def staff_member_remove(*, actor: Actor, facility: Facility, member: StaffMembership | int) -> None:
    """Take a colleague off ``facility``'s staff; their account and other facilities stay."""
    membership = _locked_member(actor, facility, member)
    audit_log(
        "staff.removed",
        actor=actor,
        target=membership,
        facility=facility,
        data={"user": membership.user.get_username(), "role": membership.role},
    )
    membership.delete()


@transaction.atomic
def user_language_set(*, actor: Actor, language: str) -> User:
    """The signed-in person (``actor.user``) chooses the language of their pages and notices.

    Raises ``ValueError`` for a language the site does not offer.
    """
    if actor.user is None:
        raise ValueError("Only a signed-in person has a language on their account.")
    code = supported_language(language)
    if code is None:
        raise ValueError(f"Unsupported language: {language!r}")
    user = User.objects.select_for_update().get(pk=actor.user.pk)
    if user.language != code:
        user.language = code
        user.save(update_fields=["language"])
        audit_log("account.language_set", actor=actor, target=user, data={"language": code})
    actor.user.language = code
    return user
