"""Forms for the console: they only parse input; the facilities services decide and write."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kinframe.facilities.services import REVIEW_TARGET_RANGE
from kinframe.photos.models import Photo, PhotoFlag


class PhotoFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Any status")), *Photo.Status.choices], required=False
    )
    q = forms.CharField(
        label=_("Inmate number or sender"),
        required=False,
        max_length=150,
        widget=forms.TextInput(attrs={"type": "search", "data-testid": "photo-search"}),
    )
    flag = forms.ChoiceField(
        label=_("Flag"),
        choices=[("", _("Any or no flag")), *PhotoFlag.Kind.choices],
        required=False,
        widget=forms.Select(attrs={"data-testid": "flag-filter"}),
    )


class FacilitySettingsForm(forms.Form):
    photos_enabled = forms.BooleanField(
        label=_("Families can send photos to people held here"),
        required=False,
        widget=forms.CheckboxInput(attrs={"data-testid": "photos-enabled"}),
    )
    photo_price = forms.IntegerField(
        label=_("Price of one photo (credits; 1 credit = 1 cent)"),
        min_value=1,
        max_value=100_000,
        widget=forms.NumberInput(attrs={"data-testid": "photo-price", "step": 1}),
    )
    review_target_minutes = forms.IntegerField(
        label=_("Review target (minutes a photo should wait at most)"),
        min_value=REVIEW_TARGET_RANGE[0],
        max_value=REVIEW_TARGET_RANGE[1],
        required=False,  # left empty: unchanged
        widget=forms.NumberInput(attrs={"data-testid": "review-target", "step": 1}),
    )


class RejectionReasonForm(forms.Form):
    label = forms.CharField(
        label=_("Label (what reviewers pick)"),
        max_length=100,
        widget=forms.TextInput(attrs={"data-testid": "reason-label"}),
    )
    sender_message = forms.CharField(
        label=_("What the sender is told"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2, "data-testid": "reason-message"}),
    )
    sender_message_es = forms.CharField(
        label=_("The same in Spanish (optional)"),
        help_text=_("Senders who read Spanish see this; left empty, they see the English text."),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "data-testid": "reason-message-es", "lang": "es"}),
    )
    is_active = forms.BooleanField(
        label=_("Offered in the review queue"),
        required=False,
        initial=True,
        widget=forms.CheckboxInput(attrs={"data-testid": "reason-active"}),
    )
