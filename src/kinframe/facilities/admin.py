from django import forms
from django.contrib import admin
from django.db import transaction

from .models import Agency, Facility, Inmate, RejectionReason, StaffMembership
from .services import inmate_readmit, inmate_release, inmate_transfer


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


class RejectionReasonInline(admin.TabularInline):
    model = RejectionReason
    extra = 0


class StaffMembershipInline(admin.TabularInline):
    model = StaffMembership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Facility)
class FacilityAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "agency", "photos_enabled", "photo_price"]
    list_filter = ["agency", "photos_enabled"]
    search_fields = ["name", "code"]
    inlines = [RejectionReasonInline, StaffMembershipInline]


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
            inmate_transfer(inmate=obj, facility=new_facility, actor=request.user)
        if new_status == Inmate.Status.RELEASED and previous.status != new_status:
            inmate_release(inmate=obj, actor=request.user)
        elif new_status != previous.status:
            inmate_readmit(inmate=obj, actor=request.user)
        obj.refresh_from_db()


@admin.register(StaffMembership)
class StaffMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "facility", "role", "created_at"]
    list_filter = ["role", "facility"]
    search_fields = ["user__username", "user__email"]
    autocomplete_fields = ["user"]
    list_select_related = ["user", "facility"]
