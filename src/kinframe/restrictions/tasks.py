"""Background work for restrictions: telling investigators about watch-list matches."""

from __future__ import annotations

from django.apps import apps
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.translation import ngettext
from django_tasks import task

from kinframe.facilities.models import StaffMembership
from kinframe.languages import language_of
from kinframe.notify.services import send_email


@task(queue_name="email")
def notify_investigators_of_match(photo_ids: list[int]) -> None:
    """Email each investigator of the photos' facility that a watch-listed send is waiting.

    The email names no one: it links to the photo in the console, behind the sign-in and the gate.
    """
    photo_model = apps.get_model("photos", "Photo")
    photos = list(photo_model.objects.filter(pk__in=photo_ids).select_related("facility"))
    if not photos:
        return
    facility = photos[0].facility
    links = []
    for photo in photos:
        try:
            links.append(reverse("console:photo_detail", args=[facility.code, photo.public_id]))
        except NoReverseMatch:  # the console is not mounted (a worker-only deployment)
            continue
    investigators = (
        StaffMembership.objects.filter(facility=facility, role=StaffMembership.Role.INVESTIGATOR)
        .select_related("user")
        .order_by("pk")
    )
    for membership in investigators:
        if not membership.user.email:
            continue
        with translation.override(language_of(membership.user)):  # the investigator's language
            send_email(
                to=membership.user.email,
                subject=ngettext(
                    "Watch list: %(count)s photo flagged at %(facility)s",
                    "Watch list: %(count)s photos flagged at %(facility)s",
                    len(photos),
                )
                % {"count": len(photos), "facility": facility.name},
                template="watchlist_match",
                context={"facility": facility, "count": len(photos), "links": links},
            )
