"""Kiosk devices and signing in at them: enrol, activate, revoke, check a PIN, set a PIN.

Who may try a PIN is decided before any PIN is checked: only an enrolled, unrevoked device of the
person's facility reaches ``kiosk_sign_in``. Wrong PINs are then limited three ways in the cache,
none of them keyed on anything a browser can mint:

- per person (facility and number): ``KIOSK_PIN_MAX_ATTEMPTS`` wrong PINs lock that sign-in for 15
  minutes; an unknown number locks exactly like a real one, so the answers never tell whether a
  number exists;
- per device (its database id): ``KIOSK_PIN_MAX_FAILURES_PER_DEVICE`` wrong PINs, whatever the
  numbers, lock that screen, which stops one screen trying one PIN against every number;
- per facility: past ``KIOSK_PIN_FACILITY_FREE_FAILURES`` wrong PINs in 15 minutes, each further
  one pauses sign-in on all the facility's screens for twice as long as the last (2 s, 4 s, ... up
  to 15 minutes), which stops several screens spraying together.

Lockouts are counted per facility too; the ``KIOSK_LOCKOUT_ALERT_THRESHOLD``-th in an hour writes
``kiosk.lockouts_alert`` and emails the facility's admins once.

The cache must be shared by every web process for the limits to hold (``CACHE_URL``).
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy, ngettext

from kinframe.audit.actors import SYSTEM, Actor
from kinframe.audit.services import audit_log
from kinframe.facilities.models import Facility, Inmate, StaffMembership
from kinframe.languages import supported_language

from .models import KioskDevice, parse_networks, secret_digest
from .pins import pin_problem

LOCKOUT_SECONDS = 15 * 60
ALERT_WINDOW_SECONDS = 60 * 60
BACKOFF_CAP_SECONDS = 15 * 60
# Last-seen times are written at most this often, so a gallery of thumbnails is not a write each.
SEEN_RESOLUTION = 60
ENROLMENT_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read off a screen


class DeviceError(Exception):
    """A device change that is not allowed; ``str(exc)`` is safe to show to staff."""


class PinRejected(ValueError):
    """The new PIN does not meet the PIN rules; ``str(exc)`` says why, for the person."""


class SignInRefusal(Enum):
    FAILED = "failed"
    PERSON_LOCKED = "person_locked"
    DEVICE_LOCKED = "device_locked"
    FACILITY_PAUSED = "facility_paused"


# Lazy: put into the person's words when the refusal is raised (see KioskSignInError).
MESSAGES = {
    SignInRefusal.FAILED: gettext_lazy(
        "We could not sign you in. Check your number and your PIN, or ask a staff member for help."
    ),
    SignInRefusal.PERSON_LOCKED: gettext_lazy(
        "Too many wrong PINs. Wait 15 minutes and try again, or ask a staff member to reset your PIN."
    ),
    SignInRefusal.DEVICE_LOCKED: gettext_lazy(
        "Too many wrong PINs on this screen. Wait 15 minutes, or ask a staff member for help."
    ),
}


def _refusal_message(refusal: SignInRefusal, retry_after: int) -> str:
    if refusal is SignInRefusal.FACILITY_PAUSED:
        seconds = max(retry_after, 1)
        return ngettext(
            "Sign-in is paused for a moment after many wrong PINs. Try again in %(seconds)d second.",
            "Sign-in is paused for a moment after many wrong PINs. Try again in %(seconds)d seconds.",
            seconds,
        ) % {"seconds": seconds}
    return str(MESSAGES[refusal])


class KioskSignInError(Exception):
    """The number and PIN did not open a session; ``str(exc)`` is safe to show on the kiosk."""

    def __init__(self, refusal: SignInRefusal, *, retry_after: int = 0):
        super().__init__(_refusal_message(refusal, retry_after))
        self.refusal = refusal
        self.retry_after = retry_after

    @property
    def locked(self) -> bool:
        return self.refusal is not SignInRefusal.FAILED


@dataclass(frozen=True)
class KioskSignIn:
    """Who signed in, and whether they must choose a new PIN before anything else."""

    inmate: Inmate
    must_change_pin: bool


# --- Devices ----------------------------------------------------------------------------------------


def _new_enrolment_code() -> str:
    raw = "".join(secrets.choice(ENROLMENT_ALPHABET) for _ in range(16))  # 80 bits
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def normalise_enrolment_code(code: str) -> str:
    """What staff typed, as it was issued: capitals, dashes every four, no spaces."""
    raw = "".join(c for c in code.upper() if c.isalnum())
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def _may_manage_devices(actor: Actor, facility: Facility) -> bool:
    if actor.kind in (Actor.Kind.SYSTEM, Actor.Kind.OPERATOR) and actor.membership is None:
        return True
    membership = actor.membership
    return (
        membership is not None
        and membership.facility_id == facility.pk
        and membership.role == StaffMembership.Role.ADMIN
    )


@transaction.atomic
def kiosk_device_enrol(
    *, actor: Actor, facility: Facility, name: str, allowed_networks: str = ""
) -> tuple[KioskDevice, str]:
    """Add a kiosk screen and return it with its one-time enrolment code (shown once, kept hashed)."""
    if not _may_manage_devices(actor, facility):
        raise DeviceError(gettext("Only the facility's admins can enrol kiosks."))
    name = name.strip()
    if not name:
        raise DeviceError(gettext("Give the kiosk a name."))
    try:
        networks = parse_networks(allowed_networks)
    except ValueError:
        raise DeviceError(gettext("Write networks as CIDR blocks, e.g. 10.20.0.0/16.")) from None
    code = _new_enrolment_code()
    device = KioskDevice.objects.create(
        facility=facility,
        name=name[:100],
        allowed_networks="\n".join(str(n) for n in networks),
        enrolment_code_hash=secret_digest(code),
        enrolment_expires_at=timezone.now() + timedelta(seconds=settings.KIOSK_ENROLMENT_SECONDS),
        created_by=actor.user,
    )
    audit_log(
        "kiosk_device.enrolled",
        actor=actor,
        target=device,
        facility=facility,
        data={"networks": device.allowed_networks},
    )
    return device, code


@transaction.atomic
def kiosk_device_activate(*, actor: Actor, enrolment_code: str) -> tuple[KioskDevice, str]:
    """Redeem an enrolment code on the kiosk's browser: return the device and its new credential.

    The code works once, before it expires, for a device not revoked; afterwards it is forgotten,
    so a code read over someone's shoulder later opens nothing.
    """
    digest = secret_digest(normalise_enrolment_code(enrolment_code))
    device = (
        KioskDevice.objects.select_for_update()
        .select_related("facility")
        .filter(enrolment_code_hash=digest, revoked_at__isnull=True)
        .first()
    )
    if device is None or device.enrolment_expires_at is None:
        raise DeviceError(
            gettext("That enrolment code is not valid. Ask a facility admin for a new one.")
        )
    if device.enrolment_expires_at <= timezone.now():
        raise DeviceError(
            gettext("That enrolment code has expired. Ask a facility admin for a new one.")
        )
    credential = secrets.token_urlsafe(32)
    device.credential_hash = secret_digest(credential)
    device.enrolment_code_hash = ""
    device.enrolment_expires_at = None
    device.activated_at = device.last_seen_at = timezone.now()
    device.save(
        update_fields=[
            "credential_hash",
            "enrolment_code_hash",
            "enrolment_expires_at",
            "activated_at",
            "last_seen_at",
        ]
    )
    audit_log("kiosk_device.activated", actor=actor, target=device, facility=device.facility)
    return device, credential


@transaction.atomic
def kiosk_device_revoke(*, actor: Actor, device: KioskDevice) -> KioskDevice:
    """Stop a screen working at once (its cookie and any unused code open nothing). Idempotent."""
    device = KioskDevice.objects.select_for_update().select_related("facility").get(pk=device.pk)
    if not _may_manage_devices(actor, device.facility):
        raise DeviceError(gettext("Only the facility's admins can revoke kiosks."))
    if device.revoked_at is not None:
        return device
    device.revoked_at = timezone.now()
    device.revoked_by = actor.user
    device.credential_hash = device.enrolment_code_hash = ""
    device.save(
        update_fields=["revoked_at", "revoked_by", "credential_hash", "enrolment_code_hash"]
    )
    audit_log("kiosk_device.revoked", actor=actor, target=device, facility=device.facility)
    return device


def kiosk_device_for_credential(credential: str | None) -> KioskDevice | None:
    """The active device whose cookie holds ``credential``, or None."""
    if not credential or len(credential) > 200:
        return None
    return (
        KioskDevice.objects.active()
        .select_related("facility")
        .filter(credential_hash=secret_digest(credential))
        .first()
    )


def kiosk_device_seen(*, device: KioskDevice) -> None:
    """Note that the screen is in use; one conditional write a minute at most."""
    now = timezone.now()
    if device.last_seen_at is None or now - device.last_seen_at >= timedelta(
        seconds=SEEN_RESOLUTION
    ):
        KioskDevice.objects.filter(pk=device.pk).update(last_seen_at=now)
        device.last_seen_at = now


# --- PINs ---------------------------------------------------------------------------------------------


@transaction.atomic
def inmate_set_pin(*, actor: Actor, inmate: Inmate, pin: str) -> Inmate:
    """Give ``inmate`` a new kiosk PIN that meets the PIN rules (raises ``PinRejected``)."""
    inmate = Inmate.objects.select_for_update().select_related("facility").get(pk=inmate.pk)
    if (problem := pin_problem(pin, number=inmate.number)) is not None:
        raise PinRejected(problem)
    if inmate.check_pin(pin):
        raise PinRejected(gettext("Choose a PIN different from your old one."))
    inmate.set_pin(pin)
    inmate.pin_must_change = False
    inmate.save(update_fields=["pin_hash", "pin_must_change", "updated_at"])
    audit_log("inmate.pin_changed", actor=actor, target=inmate)
    return inmate


@transaction.atomic
def inmate_language_set(*, actor: Actor, inmate: Inmate, language: str) -> Inmate:
    """The person chooses the kiosk's language; it stays on their profile for every kiosk.

    Raises ``ValueError`` for a language the site does not offer.
    """
    code = supported_language(language)
    if code is None:
        raise ValueError(f"Unsupported language: {language!r}")
    inmate = Inmate.objects.select_for_update().get(pk=inmate.pk)
    if inmate.language != code:
        inmate.language = code
        inmate.save(update_fields=["language", "updated_at"])
        audit_log("inmate.language_set", actor=actor, target=inmate, data={"language": code})
    return inmate


def _one_time_pin(number: str) -> str:
    """Six random digits that pass the PIN rules (a patterned draw is simply drawn again)."""
    while True:
        pin = f"{secrets.randbelow(10**6):06d}"
        if pin_problem(pin, number=number) is None:
            return pin


@transaction.atomic
def inmate_reset_pin(*, actor: Actor, inmate: Inmate) -> tuple[Inmate, str]:
    """Staff give the person a one-time PIN, which the kiosk makes them replace at first sign-in.

    Also lifts the person's lockout, which is why they asked staff. Returns the PIN, to be shown
    to the staff member once; only its hash is stored.
    """
    inmate = Inmate.objects.select_for_update().select_related("facility").get(pk=inmate.pk)
    if not (
        actor.kind == Actor.Kind.OPERATOR
        or (actor.facility is not None and actor.facility.pk == inmate.facility_id)
    ):
        raise PermissionError("Only staff of the person's facility can reset their PIN.")
    pin = _one_time_pin(inmate.number)
    inmate.set_pin(pin)
    inmate.pin_must_change = True
    inmate.save(update_fields=["pin_hash", "pin_must_change", "updated_at"])
    # Lifting the lockout early is harmless if this rolls back: the old PIN still guards them.
    cache.delete(_person_key(inmate.facility, inmate.number))
    audit_log("inmate.pin_reset", actor=actor, target=inmate, facility=inmate.facility)
    return inmate, pin


# --- Signing in ---------------------------------------------------------------------------------------


def _count(key: str, ttl: int) -> int:
    """Add one atomically (two screens failing at once both count); the window restarts each time."""
    cache.add(key, 0, ttl)
    try:
        total = cache.incr(key)
        cache.touch(key, ttl)
        return total
    except ValueError:  # expired between add and incr
        cache.set(key, 1, ttl)
        return 1


def _person_key(facility: Facility, number: str) -> str:
    return f"kiosk:pin-failures:{facility.pk}:{number.strip().upper()}"


def _device_key(device: KioskDevice) -> str:
    return f"kiosk:pin-failures-device:{device.pk}"


def _facility_key(facility: Facility) -> str:
    return f"kiosk:pin-failures-facility:{facility.pk}"


def _paused_key(facility: Facility) -> str:
    return f"kiosk:paused-until:{facility.pk}"


def _lockouts_key(facility: Facility) -> str:
    return f"kiosk:lockouts:{facility.pk}"


def _facility_failure(facility: Facility) -> None:
    """Count a wrong PIN at the facility and, past the free allowance, pause it exponentially."""
    failures = _count(_facility_key(facility), LOCKOUT_SECONDS)
    excess = failures - settings.KIOSK_PIN_FACILITY_FREE_FAILURES
    if excess > 0:
        pause = min(2 ** min(excess, 20), BACKOFF_CAP_SECONDS)
        cache.set(_paused_key(facility), time.time() + pause, pause)


def _lockout(
    *, facility: Facility, device: KioskDevice, kind: str, inmate: Inmate | None = None
) -> None:
    """Record a lockout; the threshold-th in an hour alerts the facility's admins, once."""
    audit_log(
        "kiosk.locked_out",
        actor=SYSTEM,
        target=inmate or device,
        facility=facility,
        data={"lock": kind, "device": device.pk},
    )
    lockouts = _count(_lockouts_key(facility), ALERT_WINDOW_SECONDS)
    if lockouts == settings.KIOSK_LOCKOUT_ALERT_THRESHOLD:
        audit_log(
            "kiosk.lockouts_alert",
            actor=SYSTEM,
            target=facility,
            facility=facility,
            data={"lockouts": lockouts, "window_minutes": ALERT_WINDOW_SECONDS // 60},
        )
        from .tasks import alert_facility_admins_of_lockouts

        facility_id = facility.pk
        transaction.on_commit(
            lambda: alert_facility_admins_of_lockouts.enqueue(facility_id, lockouts)
        )


def _find_inmate(facility: Facility, number: str) -> Inmate | None:
    matches = list(
        Inmate.objects.active()
        .select_related("facility")
        .filter(facility=facility, number__iexact=number.strip())[:2]
    )
    return matches[0] if len(matches) == 1 else None


def kiosk_sign_in(*, device: KioskDevice, number: str, pin: str) -> KioskSignIn:
    """Check ``number`` and ``pin`` at ``device``'s facility; raise ``KioskSignInError`` if refused.

    ``device`` must be an active device that the caller resolved from its credential. The audit
    events of a refusal are committed before the error is raised.
    """
    facility = device.facility
    paused_until = cache.get(_paused_key(facility))
    if paused_until is not None and paused_until > time.time():
        raise KioskSignInError(
            SignInRefusal.FACILITY_PAUSED, retry_after=int(paused_until - time.time()) + 1
        )
    person_key = _person_key(facility, number)
    if cache.get(person_key, 0) >= settings.KIOSK_PIN_MAX_ATTEMPTS:
        raise KioskSignInError(SignInRefusal.PERSON_LOCKED, retry_after=LOCKOUT_SECONDS)
    device_key = _device_key(device)
    if cache.get(device_key, 0) >= settings.KIOSK_PIN_MAX_FAILURES_PER_DEVICE:
        raise KioskSignInError(SignInRefusal.DEVICE_LOCKED, retry_after=LOCKOUT_SECONDS)

    inmate = _find_inmate(facility, number)
    if inmate is None:
        make_password(pin)  # the same time as a real check, so timing tells nothing either
        ok = False
    else:
        ok = inmate.check_pin(pin)

    if ok:
        assert inmate is not None
        cache.delete(person_key)
        must_change = inmate.pin_must_change or pin_problem(pin, number=inmate.number) is not None
        with transaction.atomic():
            audit_log(
                "kiosk.signed_in",
                actor=Actor.inmate_at_kiosk(inmate),
                target=inmate,
                data={"device": device.pk, "must_change_pin": must_change},
            )
        return KioskSignIn(inmate=inmate, must_change_pin=must_change)

    failures = _count(person_key, LOCKOUT_SECONDS)
    device_failures = _count(device_key, LOCKOUT_SECONDS)
    _facility_failure(facility)
    refusal = SignInRefusal.FAILED
    with transaction.atomic():
        if inmate is not None:
            # Whoever typed the wrong PIN is unknown: the event is the system's, about the person.
            audit_log(
                "kiosk.sign_in_failed",
                actor=SYSTEM,
                target=inmate,
                data={"failures": failures, "device": device.pk},
            )
        if failures == settings.KIOSK_PIN_MAX_ATTEMPTS:
            _lockout(facility=facility, device=device, kind="person", inmate=inmate)
        if device_failures == settings.KIOSK_PIN_MAX_FAILURES_PER_DEVICE:
            _lockout(facility=facility, device=device, kind="device")
    if failures >= settings.KIOSK_PIN_MAX_ATTEMPTS:
        refusal = SignInRefusal.PERSON_LOCKED
    elif device_failures >= settings.KIOSK_PIN_MAX_FAILURES_PER_DEVICE:
        refusal = SignInRefusal.DEVICE_LOCKED
    raise KioskSignInError(refusal, retry_after=LOCKOUT_SECONDS if refusal != refusal.FAILED else 0)


def kiosk_sign_out(*, device: KioskDevice, inmate: Inmate) -> None:
    """Record that ``inmate`` ended their session (the kiosk forgets the session itself)."""
    with transaction.atomic():
        audit_log(
            "kiosk.signed_out",
            actor=Actor.inmate_at_kiosk(inmate),
            target=inmate,
            data={"device": device.pk},
        )
