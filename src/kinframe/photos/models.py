"""Photos sent by senders, reviewed by facility staff, viewed by the recipient."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models.functions import Coalesce


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
    # Set by the worker that is processing the photo right now; a claim older than the processing
    # timeout belongs to a worker that died, and `kinframe requeue_photos` hands the photo on.
    claimed_at = models.DateTimeField(null=True, blank=True)
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
