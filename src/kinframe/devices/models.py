"""The kiosk screens a facility has enrolled: only they may show the sign-in form.

A device holds two secrets, never at the same time and only as SHA-256 hashes: the one-time
enrolment code that staff read off the console, and, once that code is redeemed on the kiosk's
browser, the long-lived credential kept in that browser's cookie. Both are random (80 and 256 bits),
so a fast hash is enough: nobody can guess a preimage, and a hash lets us find the device by its
cookie with one indexed query.
"""

from __future__ import annotations

import hashlib
import ipaddress

from django.conf import settings
from django.db import models

from kinframe.facilities.models import Facility


def secret_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def parse_networks(text: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """The CIDR blocks in ``text`` (commas, spaces or lines between them); ValueError on a bad one."""
    return [ipaddress.ip_network(part, strict=False) for part in text.replace(",", " ").split()]


class KioskDeviceQuerySet(models.QuerySet):
    def active(self):
        """Enrolled on a browser and not revoked."""
        return self.filter(revoked_at__isnull=True, activated_at__isnull=False)


class KioskDevice(models.Model):
    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="kiosk_devices")
    name = models.CharField(
        max_length=100, help_text="Where the screen is, e.g. “Block B day room”."
    )
    allowed_networks = models.TextField(
        blank=True,
        help_text="Optional CIDR blocks (e.g. 10.20.0.0/16) the screen must connect from.",
    )
    enrolment_code_hash = models.CharField(max_length=64, blank=True, editable=False)
    enrolment_expires_at = models.DateTimeField(null=True, blank=True)
    credential_hash = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    activated_at = models.DateTimeField(null=True, blank=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = KioskDeviceQuerySet.as_manager()

    class Meta:
        ordering = ["facility", "name", "pk"]
        constraints = [
            # Empty means "none"; a real digest belongs to one device only.
            models.UniqueConstraint(
                fields=["credential_hash"],
                condition=~models.Q(credential_hash=""),
                name="devices_kioskdevice_credential_unique",
            ),
            models.UniqueConstraint(
                fields=["enrolment_code_hash"],
                condition=~models.Q(enrolment_code_hash=""),
                name="devices_kioskdevice_enrolment_code_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.facility.code})"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def allows_address(self, address: str | None) -> bool:
        """Whether a request from ``address`` may use this screen (always, with no networks set)."""
        if not self.allowed_networks.strip():
            return True
        try:
            ip = ipaddress.ip_address(address or "")
            return any(ip in network for network in parse_networks(self.allowed_networks))
        except ValueError:
            return False
