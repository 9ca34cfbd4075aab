"""Background work for kiosk devices: telling staff about repeated lockouts."""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext
from django_tasks import task

from kinframe.facilities.models import Facility, StaffMembership
from kinframe.languages import language_of
from kinframe.notify.services import send_email


@task(queue_name="email")
def alert_facility_admins_of_lockouts(facility_id: int, lockouts: int) -> None:
    """Email each admin of the facility: someone may be guessing PINs at its kiosks."""
    facility = Facility.objects.get(pk=facility_id)
    admins = (
        StaffMembership.objects.filter(facility=facility, role=StaffMembership.Role.ADMIN)
        .exclude(user__email="")
        .select_related("user")
    )
    for membership in admins:
        with translation.override(language_of(membership.user)):  # each admin's own language
            send_email(
                to=membership.user.email,
                subject=gettext("Repeated kiosk lockouts at %(facility)s")
                % {"facility": facility.name},
                template="kiosk_lockouts",
                context={"facility": facility, "lockouts": lockouts, "user": membership.user},
            )
