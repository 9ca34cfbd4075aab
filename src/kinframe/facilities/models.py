"""Agencies, their facilities, the people held there, and the staff who work there."""

import zoneinfo
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Upper
from django.utils import translation
from django.utils.translation import gettext_lazy as _


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not a known time zone (e.g. America/Chicago).")


class Agency(models.Model):
    """A sheriff's office, department of corrections or operator running several facilities.

    Inmate numbers are unique within an agency, so a transfer between its facilities keeps the number.
    """

    name = models.CharField(max_length=200)
    slug = models.SlugField(unique=True)

    class Meta:
        verbose_name_plural = "agencies"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Facility(models.Model):
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="facilities")
    code = models.SlugField(
        max_length=32, unique=True, help_text="Short code people type at the kiosk"
    )
    name = models.CharField(max_length=200)
    time_zone = models.CharField(
        max_length=64, default="America/Chicago", validators=[validate_time_zone]
    )
    photos_enabled = models.BooleanField(
        default=True, help_text="Whether families can send photos to people held here."
    )
    photo_price = models.PositiveIntegerField(
        default=100, help_text="Credits charged for each photo (1 credit = 1 cent)."
    )
    review_target_minutes = models.PositiveIntegerField(
        default=240,
        help_text="How long a photo should wait for review at most; the review page shows the "
        "oldest waiting photo's age against it.",
    )
    photo_retention_days = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Days after delivery to keep a photo's files; empty keeps them. "
        "A photo under legal hold is always kept.",
    )
    commission_percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text="The facility's share of photo revenue, in percent; set by the operator.",
    )

    class Meta:
        verbose_name_plural = "facilities"
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(photo_price__gt=0), name="facilities_facility_price_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(commission_percent__gte=0, commission_percent__lte=100),
                name="facilities_facility_commission_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class RejectionReason(models.Model):
    """A facility's own reason for refusing a photo, with the words the sender reads."""

    facility = models.ForeignKey(
        Facility, on_delete=models.CASCADE, related_name="rejection_reasons"
    )
    code = models.SlugField(max_length=40)
    label = models.CharField(max_length=100, help_text="What staff pick in the review queue")
    sender_message = models.CharField(max_length=300, help_text="What the sender is told")
    sender_message_es = models.CharField(
        max_length=300,
        blank=True,
        help_text="What a sender who reads Spanish is told; blank: the English text",
    )
    is_active = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "label"]
        constraints = [
            models.UniqueConstraint(
                fields=["facility", "code"], name="facilities_reason_code_unique"
            )
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def localized_sender_message(self) -> str:
        """The sender's text in the active language (a notice runs in the sender's): the
        facility's Spanish text for Spanish, else (or if it wrote none) the English one."""
        language = translation.get_language() or ""
        if language.split("-")[0] == "es" and self.sender_message_es:
            return self.sender_message_es
        return self.sender_message


class InmateQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status=Inmate.Status.ACTIVE)

    def reachable(self):
        """People a sender may find and send photos to: active, at a facility with photos on."""
        return self.active().filter(facility__photos_enabled=True)


class Inmate(models.Model):
    """A person held at a facility. Signs in at the kiosk with facility, number and PIN."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        RELEASED = "released", _("Released")

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="inmates")
    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="inmates")
    number = models.CharField("inmate number", max_length=32)
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    pin_hash = models.CharField(max_length=200, blank=True, editable=False)
    pin_must_change = models.BooleanField(
        default=False,
        editable=False,
        help_text="Staff reset the PIN: the person must choose their own at the next sign-in.",
    )
    language = models.CharField(
        max_length=16,
        blank=True,
        help_text="The kiosk's language for this person, chosen at the kiosk; blank is the default.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = InmateQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "number"], name="facilities_inmate_number_unique"
            )
        ]
        indexes = [
            models.Index(fields=["facility", "status", "last_name"]),
            # The console's search by number, which ignores case (``number__iexact``).
            models.Index(models.F("agency"), Upper("number"), name="inmate_number_upper_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} (#{self.number})"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def set_pin(self, pin: str) -> None:
        self.pin_hash = make_password(pin)

    def check_pin(self, pin: str) -> bool:
        return bool(self.pin_hash) and check_password(pin, self.pin_hash)


class StaffMembership(models.Model):
    """A user's role at one facility. A user may work at several facilities."""

    class Role(models.TextChoices):
        REVIEWER = "reviewer", _("Reviewer")
        ADMIN = "admin", _("facility admin")
        INVESTIGATOR = "investigator", _("Investigator")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_memberships"
    )
    facility = models.ForeignKey(
        Facility, on_delete=models.CASCADE, related_name="staff_memberships"
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.REVIEWER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "facility"], name="facilities_membership_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user}, {self.get_role_display()} at {self.facility}"


class AgencyMembership(models.Model):
    """A user who investigates across every facility of an agency, read-only.

    Kept apart from ``StaffMembership`` (one facility, any role) because an agency-wide member may
    only read: the console gate lets them open an investigator's pages at each of the agency's
    facilities, never a page that decides or changes anything.
    """

    class Role(models.TextChoices):
        INVESTIGATOR = "investigator"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agency_memberships"
    )
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.INVESTIGATOR)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "agency"], name="facilities_agency_membership_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user}, {self.get_role_display()} across {self.agency}"
