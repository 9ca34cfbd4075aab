from django.contrib import admin

from .models import Agency, AgencyMembership, Facility, RejectionReason, StaffMembership


class AgencyMembershipInline(admin.TabularInline):
    model = AgencyMembership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [AgencyMembershipInline]


class RejectionReasonInline(admin.TabularInline):
    model = RejectionReason
    extra = 0


class StaffMembershipInline(admin.TabularInline):
    model = StaffMembership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Facility)
class FacilityAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "agency", "photos_enabled", "photo_price", "commission_percent"]
    list_filter = ["agency", "photos_enabled"]
    search_fields = ["name", "code"]
    inlines = [RejectionReasonInline, StaffMembershipInline]


@admin.register(StaffMembership)
class StaffMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "facility", "role", "created_at"]
    list_filter = ["role", "facility"]
    search_fields = ["user__username", "user__email"]
    autocomplete_fields = ["user"]
    list_select_related = ["user", "facility"]
