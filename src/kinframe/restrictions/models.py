"""What staff put in a sender's or a person's way: blocks, suspensions, and watch lists.

A block or a suspension is *in force* while it has not been ended and its end date, if any, is
still ahead; nothing is deleted, so the history of who was blocked, when and why stays. The reason
is for staff only: a sender is told that they cannot send, never why.

Photos reach these rows by string reference ("photos.Photo"), so this module imports nothing above
``facilities``: ``photos`` and ``connections`` read the selectors beside it when they check a send.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _


class InForceQuerySet(models.QuerySet):
    def in_force(self, at=None):
        """Not ended by staff, and not past its end date (``at`` defaults to now)."""
        at = at or timezone.now()
        return self.filter(ended_at__isnull=True).filter(
            Q(ends_at__isnull=True) | Q(ends_at__gt=at)
        )


class Restriction(models.Model):
    """What a block and a suspension share: who set it and when, and who lifted it early.

    ``restrictions.services._end`` lifts either one the same way.
    """

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = InForceQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["-created_at", "-id"]


class Block(Restriction):
    """A sender may not contact one person, anyone at a facility, or anyone in an agency.

    ``facility`` is the facility whose staff set the block (its tenant key): for a facility block it
    is also the facility the sender is kept from. An agency-wide block (a no-contact order) holds at
    every facility of ``agency``.
    """

    class Scope(models.TextChoices):
        PERSON = "person", _("one person")
        FACILITY = "facility", _("this facility")
        AGENCY = "agency", _("the whole agency (no-contact order)")

    agency = models.ForeignKey("facilities.Agency", on_delete=models.PROTECT, related_name="+")
    facility = models.ForeignKey(
        "facilities.Facility", on_delete=models.PROTECT, related_name="blocks"
    )
    scope = models.CharField(max_length=16, choices=Scope.choices)
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="blocks"
    )
    inmate = models.ForeignKey(
        "facilities.Inmate", on_delete=models.PROTECT, null=True, blank=True, related_name="blocks"
    )
    reason = models.TextField(help_text="For staff only; the sender is never shown it.")
    ends_at = models.DateTimeField(null=True, blank=True)

    class Meta(Restriction.Meta):
        constraints = [
            models.CheckConstraint(
                condition=Q(scope="person", inmate__isnull=False) | ~Q(scope="person"),
                name="restrictions_block_person_named",
            )
        ]
        indexes = [models.Index(fields=["sender", "ended_at"])]

    def __str__(self) -> str:
        return f"{self.sender} blocked from {self.get_scope_display()}"


class Suspension(Restriction):
    """A person may not receive photos until ``ends_at`` (a sanction, decided by staff)."""

    agency = models.ForeignKey("facilities.Agency", on_delete=models.PROTECT, related_name="+")
    facility = models.ForeignKey(
        "facilities.Facility", on_delete=models.PROTECT, related_name="suspensions"
    )
    inmate = models.ForeignKey(
        "facilities.Inmate", on_delete=models.PROTECT, related_name="suspensions"
    )
    reason = models.TextField(help_text="For staff only; senders are told only the end date.")
    ends_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.inmate} suspended until {self.ends_at:%Y-%m-%d}"


class WatchlistEntry(models.Model):
    """Someone an agency's investigators want to hear about: a sender's name, email or phone, or a
    person held by the agency. A match flags the photo for review; it blocks nothing by itself."""

    agency = models.ForeignKey(
        "facilities.Agency", on_delete=models.PROTECT, related_name="watchlist"
    )
    facility = models.ForeignKey("facilities.Facility", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=200, blank=True, help_text="A sender's first and last name")
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=20, blank=True, help_text="E.164, e.g. +15555550123")
    inmate = models.ForeignKey(
        "facilities.Inmate", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "watch list entries"
        constraints = [
            models.CheckConstraint(
                condition=~Q(name="") | ~Q(email="") | ~Q(phone="") | Q(inmate__isnull=False),
                name="restrictions_watchlist_entry_names_someone",
            )
        ]

    def __str__(self) -> str:
        return self.describe()

    def describe(self) -> str:
        parts = [self.name, self.email, self.phone]
        if self.inmate is not None:
            parts.append(gettext("person #%(number)s") % {"number": self.inmate.number})
        return ", ".join(p for p in parts if p)


class WatchlistMatch(models.Model):
    """A photo whose sender or recipient matched a watch-list entry when it was sent."""

    #: What each ``matched_on`` code reads as on the console (the code stays in the row).
    MATCHED_ON_LABELS = {
        "person": pgettext_lazy("watch-list match", "person"),
        "email": pgettext_lazy("watch-list match", "email"),
        "phone": pgettext_lazy("watch-list match", "phone"),
        "name": pgettext_lazy("watch-list match", "name"),
    }

    photo = models.ForeignKey(
        "photos.Photo", on_delete=models.CASCADE, related_name="watchlist_matches"
    )
    entry = models.ForeignKey(WatchlistEntry, on_delete=models.PROTECT, related_name="matches")
    facility = models.ForeignKey("facilities.Facility", on_delete=models.PROTECT, related_name="+")
    matched_on = models.CharField(max_length=16)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["photo", "entry"], name="restrictions_match_once")
        ]

    def __str__(self) -> str:
        return f"photo {self.photo_id} matched entry {self.entry_id} on {self.matched_on}"

    @property
    def matched_on_label(self) -> str:
        return str(self.MATCHED_ON_LABELS.get(self.matched_on, self.matched_on))
