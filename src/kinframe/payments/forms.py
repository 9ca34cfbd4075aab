"""The sandbox's hosted card form. The card number is validated here and never kept."""

from __future__ import annotations

import re

from django import forms
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .providers.sandbox import luhn_ok


class SecretInput(forms.TextInput):
    """A text box that never writes the value back into the page (e.g. after an error)."""

    def get_context(self, name, value, attrs):
        return super().get_context(name, None, attrs)


class SandboxCardForm(forms.Form):
    card_number = forms.CharField(
        label=_("Card number"),
        max_length=23,
        widget=SecretInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "cc-number",
                "placeholder": "4242 4242 4242 4242",
                "data-testid": "card-number",
            }
        ),
    )
    expiry = forms.CharField(
        label=_("Expiry (MM / YY)"),
        max_length=7,
        widget=forms.TextInput(
            attrs={"autocomplete": "cc-exp", "placeholder": "MM / YY", "data-testid": "card-expiry"}
        ),
    )
    cvc = forms.CharField(
        label=_("CVC"),
        max_length=4,
        widget=SecretInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "cc-csc",
                "placeholder": "123",
                "data-testid": "card-cvc",
            }
        ),
    )
    name = forms.CharField(
        label=_("Name on card"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "cc-name"}),
    )

    def clean_card_number(self) -> str:
        digits = re.sub(r"[\s-]", "", self.cleaned_data["card_number"])
        if not digits.isdigit() or not 12 <= len(digits) <= 19:
            raise forms.ValidationError(gettext("Enter the card number: 12 to 19 digits."))
        if not luhn_ok(digits):
            raise forms.ValidationError(gettext("Your card number is incorrect."))
        return digits

    def clean_expiry(self) -> tuple[int, int]:
        match = re.fullmatch(r"\s*(\d{1,2})\s*/\s*(\d{2}|\d{4})\s*", self.cleaned_data["expiry"])
        if not match:
            raise forms.ValidationError(gettext("Enter the expiry date as MM / YY."))
        month, year = int(match[1]), int(match[2])
        year = year + 2000 if year < 100 else year
        if not 1 <= month <= 12:
            raise forms.ValidationError(gettext("The expiry month must be between 01 and 12."))
        today = timezone.localdate()
        if (year, month) < (today.year, today.month):
            raise forms.ValidationError(gettext("Your card's expiration date is in the past."))
        return month, year

    def clean_cvc(self) -> str:
        cvc = self.cleaned_data["cvc"].strip()
        if not re.fullmatch(r"\d{3,4}", cvc):
            raise forms.ValidationError(
                gettext("Your card's security code (CVC) is 3 or 4 digits.")
            )
        return cvc
