"""The kiosk's forms. Each typed field names the on-screen pad that fills it (``data-pad``).

The inputs stay ordinary inputs, so a screen without JavaScript, or with a keyboard, still works;
kiosk.js shows the pad and stops the system keyboard from opening over it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kinframe.devices.pins import MAX_LENGTH, MIN_LENGTH

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def _pin_input(label: StrOrPromise, *, max_length: int = 32) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=max_length,
        strip=False,
        widget=forms.PasswordInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "data-pad": "digits"}
        ),
    )


def _new_pin_label() -> str:
    return gettext("New PIN (%(low)d to %(high)d digits)") % {"low": MIN_LENGTH, "high": MAX_LENGTH}


class SignInForm(forms.Form):
    number = forms.CharField(
        label=_("Your number"),
        max_length=32,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "data-pad": "letters",
            }
        ),
    )
    pin = _pin_input(_("PIN"))


class NewPinForm(forms.Form):
    pin = _pin_input(lazy(_new_pin_label, str)(), max_length=MAX_LENGTH)
    pin_again = _pin_input(_("New PIN again"), max_length=MAX_LENGTH)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("pin") and cleaned.get("pin") != cleaned.get("pin_again"):
            self.add_error("pin_again", gettext("The two PINs are not the same."))
        return cleaned


class EnrolForm(forms.Form):
    code = forms.CharField(
        label=_("Enrolment code"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )


# The keys of the two pads, in the order they are laid out.
DIGIT_KEYS = ["1", "2", "3", "4", "5", "6", "7", "8", "9"]
LETTER_KEYS = list("1234567890ABCDEFGHIJKLMNOPQRSTUVWXYZ-")
