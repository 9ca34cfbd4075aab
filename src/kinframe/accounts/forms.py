"""The sign-up form: username, password, and an email address and/or a mobile number.

Also the security-key forms: allauth leaves their name field without a label of its own, so
Django's "Name" (not translatable) would show; here it is marked for translation.
"""

from __future__ import annotations

from allauth.account.forms import SignupForm as AllauthSignupForm
from allauth.mfa.webauthn.forms import AddWebAuthnForm as AllauthAddWebAuthnForm
from allauth.mfa.webauthn.forms import EditWebAuthnForm as AllauthEditWebAuthnForm
from django import forms
from django.utils.translation import gettext_lazy as _

NO_CONTACT = _("Give an email address or a mobile number (or both), so we can send you a code.")


class SignupForm(AllauthSignupForm):
    """allauth's form with the email made optional: one verified contact is enough.

    Settings list ``email*`` because allauth's email verification by code insists on it; this form
    relaxes it through allauth's own ``email_required`` switch and asks for at least one contact.
    """

    def __init__(self, *args, **kwargs) -> None:
        kwargs["email_required"] = False
        super().__init__(*args, **kwargs)
        self.fields["email"].label = _("Email")
        self.fields["email"].help_text = _("An email address, a mobile number, or both.")
        self.fields["phone"].required = False
        self.fields["phone"].help_text = _("We text a code to it. US numbers need no +1.")

    def clean(self) -> dict:
        cleaned_data = super().clean()
        email_error = "email" in self.errors
        phone_error = "phone" in self.errors
        if not (cleaned_data.get("email") or cleaned_data.get("phone")) and not (
            email_error or phone_error
        ):
            raise forms.ValidationError(NO_CONTACT, code="no_contact")
        return cleaned_data


class AddWebAuthnForm(AllauthAddWebAuthnForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name"].label = _("Name")


class EditWebAuthnForm(AllauthEditWebAuthnForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name"].label = _("Name")
