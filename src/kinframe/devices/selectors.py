"""Reads about kiosk devices shared by the console and the operator's tools."""

from __future__ import annotations

from django.db.models import QuerySet

from kinframe.facilities.models import Facility

from .models import KioskDevice


def kiosk_devices(*, facility: Facility) -> QuerySet[KioskDevice]:
    """The facility's screens: in use first, then waiting for enrolment, then revoked; by name."""
    return (
        KioskDevice.objects.filter(facility=facility)
        .select_related("created_by", "revoked_by")
        .order_by("revoked_at", "-activated_at", "name", "pk")
    )
