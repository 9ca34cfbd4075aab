"""Photos sent by senders, reviewed by facility staff, viewed by the recipient."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models.functions import Coalesce
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


def photo_key(instance: "Photo", filename: str) -> str:
    """A random storage key: nothing about the sender, recipient or photo can be guessed from it."""
    return f"photos/{uuid.uuid4().hex}"


class Photo(models.Model):
    """A photo on its way from a sender to an incarcerated person.

    received (charged, being processed) -> pending_review -> approved | rejected;
    received -> failed; pending_review -> withdrawn | undeliverable.
    Every end but approved refunds the charge exactly once.
    """

    class Status(models.TextChoices):
        RECEIVED = "received", _("Processing")
        PENDING_REVIEW = "pending_review", _("Waiting for review")
        APPROVED = "approved", _("Delivered")
        REJECTED = "rejected", _("Rejected")
        FAILED = "failed", _("Could not be processed")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        UNDELIVERABLE = "undeliverable", _("Could not be delivered")

    REFUNDED_STATUSES = (Status.REJECTED, Status.FAILED, Status.WITHDRAWN, Status.UNDELIVERABLE)

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="photos"
    )
    inmate = models.ForeignKey("facilities.Inmate", on_delete=models.PROTECT, related_name="photos")
    connection = models.ForeignKey(
        "connections.Connection", on_delete=models.PROTECT, related_name="photos"
    )
    facility = models.ForeignKey(
        "facilities.Facility", on_delete=models.PROTECT, related_name="photos"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RECEIVED)
    price = models.PositiveIntegerField(help_text="Credits charged when sent")
    original = models.FileField(upload_to=photo_key, blank=True, max_length=200)
    original_name = models.CharField(max_length=200, blank=True)
    image = models.FileField(upload_to=photo_key, blank=True, max_length=200)
    thumbnail = models.FileField(upload_to=photo_key, blank=True, max_length=200)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    phash = models.CharField(max_length=32, blank=True)
    failure_message = models.CharField(max_length=300, blank=True)
    processing_attempts = models.PositiveSmallIntegerField(default=0)
    rejection_reason = models.ForeignKey(
        "facilities.RejectionReason",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    # Set by the worker that is processing the photo right now (its value is the claim's token).
    # The worker renews claim_heartbeat_at while it works; a claim whose heartbeat is older than
    # PHOTO_CLAIM_TIMEOUT_SECONDS belongs to a worker that died, and the reaper hands the photo on.
    claimed_at = models.DateTimeField(null=True, blank=True)
    claim_heartbeat_at = models.DateTimeField(null=True, blank=True)
    # When the reaper should queue the photo again if no worker has claimed it by then: the retry
    # after a storage or database error, or the backstop for a task the queue lost.
    requeue_at = models.DateTimeField(null=True, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    # An investigator's hold: retention never deletes the files of a held photo.
    legal_hold = models.BooleanField(default=False)
    # When retention deleted the files; the record, its views and its ledger entries stay.
    files_purged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["facility", "status", "created_at"]),
            models.Index(fields=["inmate", "status", "reviewed_at"]),
            models.Index(fields=["status", "created_at"], name="photos_status_created_idx"),
            models.Index(
                fields=["requeue_at"],
                name="photos_requeue_idx",
                condition=models.Q(status="received"),
            ),
            # A reviewer's own decisions in their shift (the review page's live counts).
            models.Index(fields=["reviewed_by", "reviewed_at"], name="photos_reviewer_decided_idx"),
            # The lists' keyset orders, (sort value, id), so each page is a range read of an index
            # and no list sorts: the console's history, the sender's history, the kiosk gallery
            # (approved photos only, by delivery: review time, or sending time without one).
            models.Index(
                fields=["facility", "created_at", "id"], name="photos_facility_newest_idx"
            ),
            models.Index(fields=["sender", "created_at", "id"], name="photos_sender_newest_idx"),
            # The console's search by number reads the one person's photos newest first.
            models.Index(fields=["inmate", "created_at", "id"], name="photos_inmate_newest_idx"),
            models.Index(
                models.F("inmate"),
                Coalesce("reviewed_at", "created_at"),
                models.F("id"),
                condition=models.Q(status="approved"),
                name="photos_gallery_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"Photo {self.public_id} to {self.inmate_id} ({self.status})"

    @property
    def localized_failure_message(self) -> str:
        """Why it failed, in the active language when it is one of Kinframe's own messages (they
        are kept in English on the photo); anything else as it was written."""
        return gettext(self.failure_message) if self.failure_message else ""


class PhotoView(models.Model):
    """One opening of a photo by its recipient or a staff member: who, when, from where."""

    class ViewerKind(models.TextChoices):
        INMATE = "inmate"
        STAFF = "staff"

    photo = models.ForeignKey(Photo, on_delete=models.PROTECT, related_name="views")
    viewer_kind = models.CharField(max_length=10, choices=ViewerKind.choices)
    viewer_inmate = models.ForeignKey(
        "facilities.Inmate", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    viewer_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    variant = models.CharField(max_length=10, default="display")
    viewed_at = models.DateTimeField(auto_now_add=True, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-viewed_at"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(viewer_kind="inmate", viewer_inmate__isnull=False)
                    | models.Q(viewer_kind="staff", viewer_user__isnull=False)
                ),
                name="photos_view_has_viewer",
            )
        ]

    def __str__(self) -> str:
        return f"{self.viewer_kind} viewed {self.photo_id} at {self.viewed_at}"


class ReviewLease(models.Model):
    """One reviewer's short hold on one waiting photo, so no two reviewers are handed the same one.

    A lease lasts ``photos.review.LEASE_SECONDS`` and is renewed while the photo is on the
    reviewer's screen; a lapsed lease may be taken over by anyone. ``acquired_at`` is when the photo
    was handed to this reviewer: a decision needs it to be a moment old (no blind double clicks).
    The row is deleted when the photo is decided or the reviewer leaves.
    """

    photo = models.OneToOneField(Photo, on_delete=models.CASCADE, related_name="review_lease")
    facility = models.ForeignKey("facilities.Facility", on_delete=models.CASCADE, related_name="+")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    acquired_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["facility", "expires_at"]),
            models.Index(fields=["reviewer", "facility"]),
        ]

    def __str__(self) -> str:
        return f"Lease on {self.photo_id} by {self.reviewer_id} until {self.expires_at}"


# --- Consistency flags (photos/flags.py) -----------------------------------------------------------

#: The 64-bit dHash is cut into these bands (bits, most significant first). Two hashes within
#: Hamming distance 5 differ in at most 5 of the 6 bands, so they share at least one band exactly
#: (pigeonhole): an exact, indexed match on any band finds every candidate.
PHASH_BANDS = (11, 11, 11, 11, 10, 10)


def phash_bands(value: int) -> tuple[int, ...]:
    """Split a 64-bit hash into the :data:`PHASH_BANDS` band values."""
    bands = []
    shift = 64
    for width in PHASH_BANDS:
        shift -= width
        bands.append((value >> shift) & ((1 << width) - 1))
    return tuple(bands)


def phash_to_signed(value: int) -> int:
    """A 64-bit unsigned hash as the signed integer a ``BigIntegerField`` can hold."""
    return value - (1 << 64) if value >= 1 << 63 else value


class PhotoHash(models.Model):
    """A processed photo's perceptual hash, in indexed bands, for the near-duplicate lookup.

    Kept beside ``Photo.phash`` (the hex the pipeline produces) because a lookup over millions of
    hashes needs exact-match indexes: each band is indexed with the facility, since a photo is
    compared with what its own facility decided.
    """

    photo = models.OneToOneField(
        Photo, on_delete=models.CASCADE, primary_key=True, related_name="hash_bands"
    )
    facility = models.ForeignKey("facilities.Facility", on_delete=models.PROTECT, related_name="+")
    value = models.BigIntegerField(help_text="The 64-bit dHash as a signed integer")
    b0 = models.PositiveSmallIntegerField()
    b1 = models.PositiveSmallIntegerField()
    b2 = models.PositiveSmallIntegerField()
    b3 = models.PositiveSmallIntegerField()
    b4 = models.PositiveSmallIntegerField()
    b5 = models.PositiveSmallIntegerField()

    class Meta:
        indexes = [
            # Covering (PostgreSQL): a lookup reads hash and photo from the index alone.
            models.Index(
                fields=["facility", f"b{i}"],
                include=["value", "photo"],
                name=f"photos_hash_band{i}_idx",
            )
            for i in range(len(PHASH_BANDS))
        ]

    def __str__(self) -> str:
        return f"{self.value & ((1 << 64) - 1):016x} for photo {self.photo_id}"


class PhotoFlag(models.Model):
    """Something staff should know about a photo before deciding. A flag informs; it never decides."""

    class Kind(models.TextChoices):
        NEAR_DUPLICATE = "near_duplicate", _("Like a photo decided before")
        CODE = "code", _("QR code or barcode")
        TEXT = "text", _("Mostly text or a screenshot")

    photo = models.ForeignKey(Photo, on_delete=models.CASCADE, related_name="flags")
    facility = models.ForeignKey("facilities.Facility", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    detail = models.CharField(max_length=300, blank=True)
    # For a near-duplicate: the earlier, decided photo and how far its hash is from this one's.
    matched_photo = models.ForeignKey(
        Photo, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    distance = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind"]
        constraints = [
            models.UniqueConstraint(fields=["photo", "kind"], name="photos_flag_once_per_kind"),
            models.CheckConstraint(
                condition=~models.Q(kind="near_duplicate") | models.Q(matched_photo__isnull=False),
                name="photos_flag_duplicate_has_match",
            ),
        ]
        indexes = [models.Index(fields=["facility", "kind"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on photo {self.photo_id}"


# --- Appeals (photos/appeals.py) -------------------------------------------------------------------


class Appeal(models.Model):
    """A sender's one request for a second look at a rejection, decided by another reviewer.

    pending -> granted (the photo is delivered; the appeal's charge pays for it)
            | upheld (the rejection stands; the appeal's charge is refunded once).
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for a second look")
        GRANTED = "granted", _("Accepted on appeal")
        UPHELD = "upheld", _("Rejection confirmed")

    photo = models.OneToOneField(Photo, on_delete=models.PROTECT, related_name="appeal")
    facility = models.ForeignKey(
        "facilities.Facility", on_delete=models.PROTECT, related_name="appeals"
    )
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="appeals"
    )
    note = models.CharField(max_length=500)
    price = models.PositiveIntegerField(help_text="Credits charged for the appeal")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    # Who made the decision under appeal: the appeal must go to somebody else.
    original_reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["facility", "status", "created_at"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(price__gt=0), name="photos_appeal_price"),
            models.CheckConstraint(
                condition=models.Q(status="pending") | models.Q(decided_by__isnull=False),
                name="photos_appeal_decided_has_reviewer",
            ),
        ]

    def __str__(self) -> str:
        return f"Appeal of photo {self.photo_id} ({self.status})"
