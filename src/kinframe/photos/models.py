"""Photos sent by senders, reviewed by facility staff, viewed by the recipient."""

import uuid

from django.conf import settings
from django.db import models


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
        RECEIVED = "received", "Processing"
        PENDING_REVIEW = "pending_review", "Waiting for review"
        APPROVED = "approved", "Delivered"
        REJECTED = "rejected", "Rejected"
        FAILED = "failed", "Could not be processed"
        WITHDRAWN = "withdrawn", "Withdrawn"
        UNDELIVERABLE = "undeliverable", "Could not be delivered"

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
            models.Index(fields=["sender", "created_at"]),
            models.Index(fields=["status", "created_at"], name="photos_status_created_idx"),
            models.Index(
                fields=["requeue_at"],
                name="photos_requeue_idx",
                condition=models.Q(status="received"),
            ),
            # A reviewer's own decisions in their shift (the review page's live counts).
            models.Index(fields=["reviewed_by", "reviewed_at"], name="photos_reviewer_decided_idx"),
        ]

    def __str__(self) -> str:
        return f"Photo {self.public_id} to {self.inmate_id} ({self.status})"


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
