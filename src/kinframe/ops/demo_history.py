"""Two months of made-up history for the demo, so its reports and searches look like a real
facility's: a few hundred photos from a handful of families, most approved within hours, some
rejected for each reason, a few still waiting, with the recipients' views.

The rows are written directly (not through the photo services) because they are backdated and
nothing about them should email anybody; the money still goes through the ledger, so
``check_ledger`` balances, and each photo's audit events carry its own dates. Made once: a second
run finds the history and leaves it.
"""

from __future__ import annotations

import hashlib
import io
import math
import random
import zoneinfo
from datetime import timedelta

from django.core.files.base import ContentFile
from django.db.models import Max
from django.utils import timezone
from PIL import Image, ImageDraw

from kinframe.accounts.models import User
from kinframe.audit.actors import Actor
from kinframe.audit.models import AuditEvent
from kinframe.audit.services import audit_log
from kinframe.connections.models import Connection
from kinframe.credits.models import LedgerEntry
from kinframe.credits.services import credits_charge_photo, credits_refund_photo, ledger_post
from kinframe.facilities.models import Facility, Inmate, RejectionReason, StaffMembership
from kinframe.photos.models import Photo, PhotoView
from kinframe.reports.services import reports_refresh

DAYS = 60
FAMILIES = [
    ("rosa.hill", "Rosa", "A1001", "mother"), ("tanya.ortiz", "Tanya", "A1002", "sister"),
    ("kevin.carter", "Kevin", "A1003", "son"), ("maria.walker", "Maria", "A1004", "wife"),
    ("ana.rivera", "Ana", "A1005", "daughter"), ("june.brown", "June", "A1006", "aunt"),
    ("paul.moreno", "Paul", "B2001", "father"), ("lena.young", "Lena", "B2002", "friend"),
    ("omar.price", "Omar", "B2003", "brother"), ("gloria.evans", "Gloria", "B2004", "mother"),
    ("nina.lee", "Nina", "B2005", "partner"), ("ruth.adams", "Ruth", "B2006", "grandmother"),
]  # fmt: skip
# How often each reason is picked when a photo is rejected.
REASON_WEIGHTS = {"nudity": 2, "gang": 3, "weapons": 1, "text": 4, "other": 2}
PALETTE = ["#f4a261", "#2a9d8f", "#e76f51", "#8ab17d", "#457b9d", "#e9c46a", "#b5838d", "#6d597a"]


def _jpeg(rng: random.Random, size: tuple[int, int]) -> bytes:
    """A small picture: a sky, a hill and a sun in random colours (every photo differs)."""
    image = Image.new("RGB", size, rng.choice(PALETTE))
    draw = ImageDraw.Draw(image)
    w, h = size
    draw.ellipse([-w // 4, h // 2, w + w // 4, h * 2], fill=rng.choice(PALETTE))
    x, y, r = rng.randint(w // 5, w - w // 5), rng.randint(h // 8, h // 3), rng.randint(18, 40)
    draw.ellipse([x - r, y - r, x + r, y + r], fill="#fff3b0")
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def _backdate(after: int, when) -> None:
    """Give the audit events written since event ``after`` the time they stand for."""
    AuditEvent.objects.filter(pk__gt=after).update(created_at=when)


def _last_event() -> int:
    return AuditEvent.objects.aggregate(last=Max("pk"))["last"] or 0


def load_history(*, agency, password: str, seed: int = 7) -> int:
    """Make the history once; returns the photos made (0 when it already exists)."""
    if Photo.objects.filter(sender__username=FAMILIES[0][0]).exists():
        return 0
    rng = random.Random(seed)
    now = timezone.now()
    facilities = {f.pk: f for f in Facility.objects.filter(agency=agency)}
    reviewers: dict[int, list[StaffMembership]] = {}
    for membership in StaffMembership.objects.filter(
        facility__in=facilities.values(),
        role__in=(StaffMembership.Role.REVIEWER, StaffMembership.Role.ADMIN),
    ).select_related("user", "facility"):
        reviewers.setdefault(membership.facility_id, []).append(membership)
    reasons = {
        (r.facility_id, r.code): r for r in RejectionReason.objects.filter(facility__in=facilities)
    }
    made = 0
    for username, first_name, number, relationship in FAMILIES:
        sender, _ = User.objects.get_or_create(
            username=username,
            defaults={"email": f"{username}@example.com", "first_name": first_name},
        )
        sender.set_password(password)
        sender.save()
        inmate = Inmate.objects.get(agency=agency, number=number)
        connection, _ = Connection.objects.get_or_create(
            sender=sender,
            inmate=inmate,
            defaults={
                "agency": agency,
                "relationship": relationship,
                "status": Connection.Status.APPROVED,
            },
        )
        ledger_post(
            user=sender, kind=LedgerEntry.Kind.ADJUSTMENT, amount=100_000,
            reference=f"demo-history:{sender.pk}", memo="Demo credits", actor=Actor.system("demo"),
        )  # fmt: skip
        # Each family sends at its own pace, a little more at weekends.
        rate = rng.uniform(0.3, 0.6)
        for day in range(DAYS, -1, -1):
            date = now - timedelta(days=day)
            weekend = date.weekday() >= 5
            for _ in range(_poisson(rng, rate * (1.6 if weekend else 1))):
                made += _photo(
                    rng, sender, inmate, connection, facilities, reviewers, reasons, date
                )
    reports_refresh(facilities=list(facilities.values()), days=None)
    return made


def _poisson(rng: random.Random, mean: float) -> int:
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _photo(rng, sender, inmate, connection, facilities, reviewers, reasons, date) -> int:
    facility = facilities[inmate.facility_id]
    local = date.astimezone(zoneinfo.ZoneInfo(facility.time_zone))  # families send by day
    sent_at = local.replace(hour=rng.randint(7, 22), minute=rng.randint(0, 59))
    now = timezone.now()
    if sent_at > now:
        return 0
    # Review takes a few hours as a rule, now and then more than a day.
    wait = timedelta(minutes=int(rng.lognormvariate(math.log(240), 0.9)))
    decided_at = sent_at + wait
    photo = Photo.objects.create(
        sender=sender, inmate=inmate, connection=connection, facility=facility,
        price=facility.photo_price, status=Photo.Status.PENDING_REVIEW, width=480, height=360,
        original_name=f"IMG_{rng.randint(1000, 9999)}.jpg", processed_at=sent_at,
    )  # fmt: skip
    data = _jpeg(rng, (480, 360))
    photo.image.save("display.jpg", ContentFile(data), save=False)
    photo.thumbnail.save("thumb.jpg", ContentFile(_jpeg(rng, (120, 90))), save=False)
    photo.sha256 = hashlib.sha256(data).hexdigest()
    photo.created_at = sent_at
    photo.save()
    mark = _last_event()
    credits_charge_photo(photo=photo)
    audit_log(
        "photo.sent",
        actor=Actor.sender(sender),
        target=photo,
        data={"price": photo.price, "batch": 1},
    )
    _backdate(mark, sent_at)
    if decided_at > now:
        return 1  # still waiting for review
    reviewer = rng.choice(reviewers[facility.pk])
    actor = Actor.staff(reviewer)
    mark = _last_event()
    photo.reviewed_by = reviewer.user
    photo.reviewed_at = decided_at
    if rng.random() < 0.16:
        code = rng.choices(list(REASON_WEIGHTS), weights=list(REASON_WEIGHTS.values()))[0]
        photo.status = Photo.Status.REJECTED
        photo.rejection_reason = reasons[(facility.pk, code)]
        photo.save()
        credits_refund_photo(photo=photo, actor=actor)
        audit_log("photo.rejected", actor=actor, target=photo, data={"reason": code})
    else:
        photo.status = Photo.Status.APPROVED
        photo.save()
        audit_log("photo.approved", actor=actor, target=photo)
    _backdate(mark, decided_at)
    if photo.status == Photo.Status.APPROVED:
        for _ in range(rng.choice([0, 1, 1, 2, 3])):
            viewed_at = decided_at + timedelta(hours=rng.uniform(1, 72))
            if viewed_at < now:
                view = PhotoView.objects.create(
                    photo=photo, viewer_kind=PhotoView.ViewerKind.INMATE, viewer_inmate=inmate
                )
                PhotoView.objects.filter(pk=view.pk).update(viewed_at=viewed_at)
    return 1
