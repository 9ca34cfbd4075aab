"""Kinframe's allauth adapter: where allauth asks the project how to behave.

Mobile numbers live on ``User.phone`` (E.164) and ``User.phone_verified``; codes go out through
``kinframe.notify.sms.send_sms``, which keeps a copy in the outbox.
"""

from __future__ import annotations

import logging
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from allauth.core import context
from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from kinframe.audit.actors import Actor
from kinframe.audit.services import audit_log
from kinframe.languages import supported_language
from kinframe.notify.sms import SmsError, send_sms

from .lockout import login_lockout_key
from .middleware import remember_login_language
from .models import User
from .phones import PhoneField, normalize_phone, try_normalize_phone
from .services import user_set_phone, user_verify_phone

logger = logging.getLogger(__name__)


class AccountAdapter(DefaultAccountAdapter):
    # --- Mobile numbers ------------------------------------------------------------------------------
    def phone_form_field(self, **kwargs: Any) -> PhoneField:
        kwargs["label"] = _("Mobile number")
        return PhoneField(**kwargs)

    def clean_phone(self, phone: str) -> str:
        return normalize_phone(phone)

    def get_phone(self, user) -> tuple[str, bool] | None:
        if not user.phone:
            return None
        return user.phone, user.phone_verified

    def set_phone(self, user, phone: str, verified: bool) -> None:
        user_set_phone(user=user, phone=phone, verified=verified)

    def set_phone_verified(self, user, phone: str) -> None:
        user_verify_phone(user=user, phone=phone)

    def get_user_by_phone(self, phone: str) -> User | None:
        normalized = try_normalize_phone(phone)
        if not normalized:
            return None
        return User.objects.filter(phone=normalized).first()

    def send_verification_code_sms(self, user, phone: str, code: str, **kwargs: Any) -> None:
        # In the language of the page that asked for the code (a sign-up in Spanish reads Spanish).
        self._send_sms(
            phone,
            _(
                "%(site_name)s code: %(code)s. It expires in 15 minutes. "
                "Nobody from %(site_name)s will ask you for it."
            )
            % {"site_name": settings.SITE_NAME, "code": code},
        )

    def send_account_already_exists_sms(self, phone: str) -> None:
        # Enumeration prevention: the sign-up page says "code sent" either way, and the owner of
        # the number learns that somebody tried it, in the owner's language if they chose one.
        owner = self.get_user_by_phone(phone)
        language = supported_language(owner.language if owner else "") or translation.get_language()
        with translation.override(language):
            body = _(
                "Someone tried to create a %(site_name)s account with this number, which already "
                "has one. If it was you, sign in or reset your password instead."
            ) % {"site_name": settings.SITE_NAME}
        self._send_sms(phone, body)

    def _send_sms(self, phone: str, body: str) -> None:
        """A refused text (bad number, provider down) is a message on the page, never a 500."""
        try:
            send_sms(to=phone, body=body)
        except SmsError:
            logger.exception("SMS to %s failed", phone)
            request = self.request or context.request
            if request is not None:
                messages.error(
                    request,
                    _(
                        "We could not send a text to %(phone)s. Check the number, or ask for a "
                        "new code in a minute."
                    )
                    % {"phone": phone},
                )

    # --- Language ------------------------------------------------------------------------------------
    def save_user(self, request, user, form, commit: bool = True):
        """A sender who signs up while reading Spanish keeps Spanish: their notices come in it too.

        The page's language (the cookie, else the browser's Accept-Language) is stored only when it
        is not the default; a blank ``language`` already means English unless the browser asks
        for another.
        """
        language = supported_language(translation.get_language())
        if language and language != settings.LANGUAGE_CODE and not user.language:
            user.language = language
        return super().save_user(request, user, form, commit=commit)

    def pre_login(self, request, user, **kwargs: Any):
        """The code pages and the second-factor page of a sign-in speak the account's language."""
        remember_login_language(request, user)
        return super().pre_login(request, user, **kwargs)

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Account emails go in the recipient's chosen language, else the page's.

        A password reset asked for from an English browser still reaches a Spanish reader in Spanish.
        """
        recipient = context.get("user") or self._user_by_email(email)
        language = supported_language(getattr(recipient, "language", ""))
        with translation.override(language or translation.get_language()):
            super().send_mail(template_prefix, email, context)

    @staticmethod
    def _user_by_email(email: str) -> User | None:
        address = EmailAddress.objects.filter(email__iexact=email).select_related("user").first()
        return address.user if address is not None else None

    def get_login_redirect_url(self, request) -> str:
        """Staff go to their console and operators to the admin; senders to their home page."""
        user = request.user
        if user.is_superuser:
            return reverse("admin:index")
        if user.staff_memberships.exists():
            return reverse("console:home")
        return super().get_login_redirect_url(request)

    # --- Sign-in lockout -----------------------------------------------------------------------------
    def _get_login_attempts_cache_key(self, request, **credentials: Any) -> str:
        """The key allauth counts failed sign-ins under: the account, however it was typed.

        allauth keys on the typed text, so ``(202) 555-7163`` escaped a lockout earned as
        ``+12025557163``, and a locked username left its email open. Password resets clear the
        same key (allauth calls this method there too).
        """
        return login_lockout_key(credentials)

    # --- Verification -----------------------------------------------------------------------------------
    def get_login_stages(self) -> list[str]:
        replacements = {
            "allauth.account.stages.PhoneVerificationStage": (
                "kinframe.accounts.stages.PhoneVerificationStage"
            ),
            "allauth.account.stages.EmailVerificationStage": (
                "kinframe.accounts.stages.EmailVerificationStage"
            ),
        }
        return [replacements.get(path, path) for path in super().get_login_stages()]

    def can_delete_email(self, email_address: EmailAddress) -> bool:
        """Never let a sender remove the one verified contact that keeps their account working."""
        if not super().can_delete_email(email_address):
            return False
        if email_address.pk and email_address.verified:
            user = email_address.user
            others = EmailAddress.objects.filter(user=user, verified=True).exclude(
                pk=email_address.pk
            )
            if not others.exists() and not (user.phone and user.phone_verified):
                return False
        return True

    def confirm_email(self, request, email_address: EmailAddress) -> bool:
        with transaction.atomic():
            confirmed = super().confirm_email(request, email_address)
            if confirmed:
                audit_log(
                    "account.email_verified",
                    actor=Actor.for_user(email_address.user),
                    target=email_address.user,
                )
        return confirmed
