"""Mobile numbers: one spelling (E.164) everywhere, so a number typed two ways is one number."""

from __future__ import annotations

import phonenumbers
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

DEFAULT_REGION = "US"
INVALID_PHONE = _("Enter a valid mobile number, e.g. (415) 555-2671 or +44 20 7183 8750.")


def normalize_phone(value: str, *, region: str = DEFAULT_REGION) -> str:
    """Return ``value`` in E.164 (``+14155552671``) or raise ``ValidationError``.

    Numbers without a country code are read as US numbers, where most senders are.
    """
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(INVALID_PHONE, code="invalid_phone") from exc
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(INVALID_PHONE, code="invalid_phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def try_normalize_phone(value: str) -> str | None:
    """E.164 for a lookup, or None when ``value`` is not a phone number at all."""
    try:
        return normalize_phone(value)
    except ValidationError:
        return None


class PhoneField(forms.CharField):
    """A mobile number typed any common way, cleaned to E.164."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("label", _("Mobile number"))
        kwargs.setdefault("max_length", 32)
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={"type": "tel", "autocomplete": "tel", "placeholder": "(415) 555-2671"}
            ),
        )
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return value
        return normalize_phone(value)
