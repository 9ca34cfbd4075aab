"""``kinframe mfa_enrolment_link USERNAME``: a second-factor enrolment link from the server's shell.

The first operator has nobody to issue them a link in the admin; whoever runs the server does.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from kinframe.accounts.models import User
from kinframe.accounts.services import EnrolmentLinkError, enrolment_link_issue
from kinframe.audit.actors import Actor


class Command(BaseCommand):
    help = "Print a one-time link with which USERNAME sets up a second factor."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")

    def handle(self, *args, username: str, **options) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user {username!r}.")
        try:
            link, token = enrolment_link_issue(actor=Actor.system("mfa_enrolment_link"), user=user)
        except EnrolmentLinkError as error:
            raise CommandError(str(error)) from error
        url = settings.SITE_URL + reverse("mfa_enrolment_link", args=[token])
        self.stdout.write(f"{url}\n(works once, for {username} signed in, until {link.expires_at})")
