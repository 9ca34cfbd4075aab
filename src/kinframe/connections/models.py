"""Connections: a sender asks to send photos to an incarcerated person, who approves or declines."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Connection(models.Model):
    """One sender and one inmate. Photos travel only over an approved connection.

    ``agency`` is the tenant key: it is the inmate's agency, which a transfer between the agency's
    facilities does not change.
    """

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        APPROVED = "approved", _("Approved")
        DECLINED = "declined", _("Declined")
        ENDED = "ended", _("Ended")
        BLOCKED = "blocked", _("Blocked")

    OPEN_STATUSES = (Status.REQUESTED, Status.APPROVED)

    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="connections"
    )
    inmate = models.ForeignKey(
        "facilities.Inmate", on_delete=models.PROTECT, related_name="connections"
    )
    agency = models.ForeignKey("facilities.Agency", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.REQUESTED)
    relationship = models.CharField(max_length=60, blank=True, help_text="e.g. mother, friend")
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # At most one open (requested or approved) connection per sender and inmate.
            models.UniqueConstraint(
                fields=["sender", "inmate"],
                condition=models.Q(status__in=["requested", "approved"]),
                name="connections_one_open_per_pair",
            )
        ]

    def __str__(self) -> str:
        return f"{self.sender} → {self.inmate} ({self.status})"
