"""The operator's Inmate admin: its changes of facility and status go through the custody services."""

from django import forms
from django.contrib import admin
from django.db import transaction

from kinframe.audit.actors import Actor
from kinframe.facilities.models import Inmate

from .services import inmate_readmit, inmate_release, inmate_transfer


class InmateForm(forms.ModelForm):
    pin = forms.CharField(
        label="New kiosk PIN",
        required=False,
        min_length=4,
        max_length=12,
        widget=forms.PasswordInput(render_value=False),
        help_text="Leave empty to keep the current PIN. Stored only as a hash.",
    )

    class Meta:
        model = Inmate
        fields = ["agency", "facility", "number", "first_name", "last_name", "status"]

    def clean(self):
        cleaned = super().clean()
        facility, agency = cleaned.get("facility"), cleaned.get("agency")
        if facility and agency and facility.agency_id != agency.pk:
            raise forms.ValidationError("The facility must belong to the inmate's agency.")
        return cleaned

    def save(self, commit=True):
        inmate = super().save(commit=False)
        if self.cleaned_data.get("pin"):
            inmate.set_pin(self.cleaned_data["pin"])
        if commit:
            inmate.save()
        return inmate


@admin.register(Inmate)
class InmateAdmin(admin.ModelAdmin):
    form = InmateForm
    list_display = ["number", "last_name", "first_name", "facility", "status"]
    list_filter = ["status", "facility"]
    search_fields = ["number", "last_name", "first_name"]
    list_select_related = ["facility"]

    @transaction.atomic
    def save_model(self, request, obj, form, change):
        """Release and transfer go through their services, which refund photos still on their way."""
        if not change:
            return super().save_model(request, obj, form, change)
        previous = Inmate.objects.get(pk=obj.pk)
        new_facility, new_status = obj.facility, obj.status
        obj.facility, obj.status = previous.facility, previous.status
        super().save_model(request, obj, form, change)
        if new_facility.pk != previous.facility_id:
            inmate_transfer(inmate=obj, facility=new_facility, actor=Actor.operator(request.user))
        if new_status == Inmate.Status.RELEASED and previous.status != new_status:
            inmate_release(inmate=obj, actor=Actor.operator(request.user))
        elif new_status != previous.status:
            inmate_readmit(inmate=obj, actor=Actor.operator(request.user))
        obj.refresh_from_db()
