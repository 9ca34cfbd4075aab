"""Consistency flags: what staff should know about a photo before deciding, computed at intake.

A flag informs and never decides. Three kinds:

- ``near_duplicate``: the photo's dHash is within :data:`NEAR_DUPLICATE_DISTANCE` of a photo this
  facility already approved or rejected, found through :class:`PhotoHash`'s indexed bands (any
  hash within distance 5 shares one of six bands exactly), then verified by popcount.
- ``code``: a QR code or barcode, read by zxing-cpp (Apache-2.0).
- ``text``: mostly text or a screenshot, by :func:`text_score` (measured in docs/flags.md).

The same signals warn a sender before any credit moves (:func:`send_warnings`).
"""

from __future__ import annotations

import io
import logging
from collections import Counter
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_lazy
from PIL import Image, ImageFilter

from kinframe.audit.actors import SYSTEM, Actor
from kinframe.audit.services import audit_log
from kinframe.facilities.models import RejectionReason

from .models import PHASH_BANDS, Photo, PhotoFlag, PhotoHash, phash_bands, phash_to_signed

logger = logging.getLogger(__name__)

#: Hashes this close (Hamming distance over 64 bits) are the same picture resized or re-encoded.
#: The band index guarantees every match up to ``len(PHASH_BANDS) - 1``.
NEAR_DUPLICATE_DISTANCE = 5
assert len(PHASH_BANDS) > NEAR_DUPLICATE_DISTANCE
#: Statuses that are a facility's decision about a photo.
DECIDED = (Photo.Status.APPROVED, Photo.Status.REJECTED)
#: A photo whose text score reaches this is flagged "mostly text or a screenshot" (docs/flags.md).
TEXT_THRESHOLD = 0.4
#: Share of strong-edge pixels below which a picture carries no marks (text) at all.
MIN_EDGES = 0.01
#: The side the detectors look at: enough for a QR code a phone could read, and quick.
ANALYSIS_LONG_SIDE = 1024

GENERIC_RULES: dict[str, str | Promise] = {
    PhotoFlag.Kind.CODE: gettext_lazy("Photos with a QR code or barcode are usually refused."),
    PhotoFlag.Kind.TEXT: gettext_lazy(
        "Photos that are mostly text, or screenshots, are usually refused."
    ),
}


# --- Signals from the pixels -----------------------------------------------------------------------


@dataclass(frozen=True)
class ImageSignals:
    """What the detectors saw in one image."""

    codes: list[tuple[str, str]] = field(default_factory=list)  # (format, text)
    text_score: float = 0.0

    @property
    def looks_like_text(self) -> bool:
        """Mostly text or a screen. A bare code also scores high (a flat background with sharp
        marks); when a code was read, the code flag says more, so this one stays quiet."""
        return self.text_score >= TEXT_THRESHOLD and not self.codes


def read_codes(image: Image.Image) -> list[tuple[str, str]]:
    """Every QR code or barcode zxing-cpp finds, as (format name, decoded text)."""
    import zxingcpp

    found = zxingcpp.read_barcodes(image.convert("L"))
    return [(str(code.format), code.text[:200]) for code in found if code.valid]


def text_score(image: Image.Image) -> float:
    """How much of the image is one flat background, from 0 to 1, for a picture with detail on it.

    Pages of text and screens are mostly one exact background colour with sharp marks on it;
    a camera photo has texture and noise almost everywhere, so its most common grey level (with
    a small tolerance for JPEG noise) covers well under a fifth of it. A picture with no sharp
    edges at all (a plain colour) scores 0. docs/flags.md has the measurement behind the numbers.
    """
    grey = image.convert("L")
    grey.thumbnail((512, 512))
    pixels = grey.width * grey.height
    if pixels == 0:
        return 0.0
    histogram = grey.histogram()
    peak = max(range(256), key=histogram.__getitem__)
    background = sum(histogram[max(0, peak - 6) : peak + 7]) / pixels
    edges = grey.filter(ImageFilter.FIND_EDGES).histogram()
    strong = sum(edges[96:]) / pixels
    return round(background, 3) if strong >= MIN_EDGES else 0.0


def analyse_image(data: bytes) -> ImageSignals:
    """Run the detectors over an encoded image (the display JPEG, or a checked upload)."""
    with Image.open(io.BytesIO(data)) as opened:
        opened.draft("RGB", (ANALYSIS_LONG_SIDE, ANALYSIS_LONG_SIDE))
        image = opened.convert("RGB")
    image.thumbnail((ANALYSIS_LONG_SIDE, ANALYSIS_LONG_SIDE))
    return ImageSignals(codes=read_codes(image), text_score=text_score(image))


# --- The near-duplicate lookup ---------------------------------------------------------------------


def hash_distance(a: int, b: int) -> int:
    return ((a ^ b) & ((1 << 64) - 1)).bit_count()


def near_duplicates(
    *,
    facility_id: int,
    phash: str,
    statuses=DECIDED,
    exclude_photo_id: int | None = None,
    max_distance: int = NEAR_DUPLICATE_DISTANCE,
) -> list[tuple[int, int]]:
    """Photos of this facility in ``statuses`` whose hash is within ``max_distance``.

    Returns (photo id, distance) pairs, closest first, newest first among equals. Two queries:
    the hashes sharing any of the six bands exactly (every hash within distance 5 does), then
    the statuses of those that popcount keeps.
    """
    try:
        value = int(phash, 16)
    except (TypeError, ValueError):
        return []
    # One index-only scan per band (UNION ALL), popcount over the few candidates, and only then
    # the photos' statuses for the handful within reach: joining every candidate to its photo
    # first cost 20x more at a million hashes (docs/flags.md).
    per_band = [
        PhotoHash.objects.filter(facility_id=facility_id, **{f"b{i}": band}).values_list(
            "photo_id", "value"
        )
        for i, band in enumerate(phash_bands(value))
    ]
    near = {
        photo_id: distance
        for photo_id, stored in per_band[0].union(*per_band[1:], all=True)
        if (distance := hash_distance(stored, value)) <= max_distance
    }
    if exclude_photo_id is not None:
        near.pop(exclude_photo_id, None)
    if not near:
        return []
    kept = Photo.objects.filter(pk__in=near)
    if statuses is not None:
        kept = kept.filter(status__in=statuses)
    matches = [(photo_id, near[photo_id]) for photo_id in kept.values_list("pk", flat=True)]
    matches.sort(key=lambda match: (match[1], -match[0]))
    return matches


def photo_hash_store(*, photo: Photo) -> PhotoHash | None:
    """Index the photo's hash for later lookups (once; a retry finds it there)."""
    try:
        value = int(photo.phash, 16)
    except (TypeError, ValueError):
        return None
    bands = dict(zip((f"b{i}" for i in range(len(PHASH_BANDS))), phash_bands(value), strict=True))
    stored, _ = PhotoHash.objects.get_or_create(
        photo=photo,
        defaults={"facility_id": photo.facility_id, "value": phash_to_signed(value), **bands},
    )
    return stored


# --- Computing and storing the flags ---------------------------------------------------------------


def photo_flags_compute(*, photo: Photo, actor: Actor = SYSTEM) -> list[PhotoFlag]:
    """Flag a photo that has just reached review. Never raises: a flag is help, not a gate.

    Called once by processing, right where the photo becomes ``pending_review``. Reads the display
    JPEG, indexes the hash, and writes one ``PhotoFlag`` per kind found (audited as
    ``photo.flagged``). Running it again adds nothing already there.
    """
    try:
        return _compute(photo=photo, actor=actor)
    except Exception:
        logger.exception("Could not compute flags for photo %s", photo.pk)
        return []


def _compute(*, photo: Photo, actor: Actor) -> list[PhotoFlag]:
    signals = ImageSignals()
    if photo.image:
        with photo.image.open("rb") as display:
            signals = analyse_image(display.read())
    found: list[PhotoFlag] = []
    with transaction.atomic():
        photo_hash_store(photo=photo)
        matches = near_duplicates(
            facility_id=photo.facility_id, phash=photo.phash, exclude_photo_id=photo.pk
        )
        if matches:
            matched_id, distance = matches[0]
            found.append(
                PhotoFlag(
                    kind=PhotoFlag.Kind.NEAR_DUPLICATE,
                    matched_photo_id=matched_id,
                    distance=distance,
                    detail=f"{len(matches)} similar decided photo(s); closest at distance {distance}",
                )
            )
        if signals.codes:
            detail = "; ".join(f"{fmt}: {text}" for fmt, text in signals.codes)
            found.append(PhotoFlag(kind=PhotoFlag.Kind.CODE, detail=detail[:300]))
        if signals.looks_like_text:
            found.append(
                PhotoFlag(kind=PhotoFlag.Kind.TEXT, detail=f"text score {signals.text_score:.2f}")
            )
        existing = set(photo.flags.values_list("kind", flat=True))
        created = []
        for flag in found:
            if flag.kind in existing:
                continue
            flag.photo = photo
            flag.facility_id = photo.facility_id
            try:
                with transaction.atomic():
                    flag.save()
            except IntegrityError:  # computed twice at once: the other run stored it
                continue
            created.append(flag)
        if created:
            audit_log(
                "photo.flagged",
                actor=actor,
                target=photo,
                facility=photo.facility,
                data={
                    "kinds": [flag.kind for flag in created],
                    "matched_photo": next(
                        (f.matched_photo_id for f in created if f.matched_photo_id), None
                    ),
                },
            )
    return created


# --- Warning a sender before paying ----------------------------------------------------------------


@dataclass(frozen=True)
class SendWarning:
    """Why the facility is likely to refuse one of the files a sender chose."""

    filename: str
    kind: str
    label: str
    rule: str  # the facility's own words, as the sender would read them on a rejection


def _likely_rule(*, facility_id: int, kind: str) -> str:
    """The facility's reason most often given for rejected photos that carried this flag."""
    top = (
        Photo.objects.filter(
            facility_id=facility_id,
            status=Photo.Status.REJECTED,
            flags__kind=kind,
            rejection_reason__isnull=False,
        )
        .values("rejection_reason")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()
    )
    if top:
        return RejectionReason.objects.get(pk=top["rejection_reason"]).localized_sender_message
    return str(GENERIC_RULES.get(kind, ""))


def send_warnings(*, facility_id: int, files: list[tuple[str, bytes]]) -> list[SendWarning]:
    """Warnings for files a sender is about to send, computed without storing or charging anything.

    Each file goes through the same pipeline as a sent photo (so its hash matches what storage
    would hold); a file the pipeline refuses is left to the send's own checks. A near-duplicate
    warns only when the earlier photo was rejected, with that rejection's reason.
    """
    from django.conf import settings

    from .imaging import UnsupportedImage, process_image

    warnings: list[SendWarning] = []
    rules: dict[str, str] = {}
    for filename, data in files:
        try:
            result = process_image(
                data,
                max_bytes=settings.PHOTO_MAX_UPLOAD_BYTES,
                max_pixels=settings.PHOTO_MAX_PIXELS,
            )
        except UnsupportedImage:
            continue
        matches = near_duplicates(
            facility_id=facility_id, phash=result.phash, statuses=(Photo.Status.REJECTED,)
        )
        if matches:
            earlier = Photo.objects.select_related("rejection_reason").get(pk=matches[0][0])
            reason = earlier.rejection_reason
            warnings.append(
                SendWarning(
                    filename=filename,
                    kind=PhotoFlag.Kind.NEAR_DUPLICATE,
                    label=gettext("The facility already refused a photo like this one"),
                    rule=reason.localized_sender_message if reason else "",
                )
            )
        signals = analyse_image(result.display)
        for kind, present in (
            (PhotoFlag.Kind.CODE, bool(signals.codes)),
            (PhotoFlag.Kind.TEXT, signals.looks_like_text),
        ):
            if present:
                if kind not in rules:
                    rules[kind] = _likely_rule(facility_id=facility_id, kind=kind)
                warnings.append(
                    SendWarning(
                        filename=filename,
                        kind=kind,
                        label=str(PhotoFlag.Kind(kind).label),
                        rule=rules[kind],
                    )
                )
    return warnings


def flag_counts(*, facility_id: int) -> Counter:
    """How many photos of the facility carry each flag kind (for the queue's filter)."""
    rows = (
        PhotoFlag.objects.filter(facility_id=facility_id)
        .values_list("kind")
        .annotate(n=Count("pk"))
    )
    return Counter(dict(rows))
