"""Login stages: an account works once ONE contact (email or mobile) is verified, not both.

allauth's own stages each insist on their contact: the phone stage on the phone, the email stage
(with mandatory verification) on the email. Kinframe asks for whichever the sender gave, the phone
first (allauth's order), and skips the other once either is verified.
"""

from __future__ import annotations

from allauth.account import stages
from allauth.account.models import EmailAddress
from django.contrib import messages
from django.utils.translation import gettext_lazy as _

UNVERIFIED_MESSAGE = _("Verify your email address or mobile number to continue.")


def has_verified_contact(user) -> bool:
    if user is None or user.pk is None:
        return False
    if user.phone and user.phone_verified:
        return True
    return EmailAddress.objects.filter(user=user, verified=True).exists()


def _remind(stage: stages.LoginStage) -> None:
    """A returning sender who never verified is told why they see a code page."""
    if not stage.login.signup:
        messages.warning(stage.request, UNVERIFIED_MESSAGE)


class PhoneVerificationStage(stages.PhoneVerificationStage):
    def handle(self):
        user = self.login.user
        if user is not None and has_verified_contact(user):
            return None, True
        response, cont = super().handle()
        if response is not None and user is not None:
            _remind(self)
        return response, cont


class EmailVerificationStage(stages.EmailVerificationStage):
    def handle(self):
        user = self.login.user
        if user is not None:
            if has_verified_contact(user):
                return None, True
            has_email = bool(user.email) or EmailAddress.objects.filter(user=user).exists()
            if not has_email:
                # Nothing to verify here (no contact at all); sender pages stay closed to them
                # through ``kinframe.sender.access.verified_sender_required``.
                return None, True
        response, cont = super().handle()
        if response is not None and user is not None:
            _remind(self)
        return response, cont
