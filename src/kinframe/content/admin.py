from django.contrib import admin

from .models import SitePage


@admin.register(SitePage)
class SitePageAdmin(admin.ModelAdmin):
    list_display = ["slug", "title_en", "title_es", "updated_at"]
    readonly_fields = ["updated_at"]
    fieldsets = [
        (None, {"fields": ["slug", "updated_at"]}),
        ("English", {"fields": ["title_en", "body_en"]}),
        ("Spanish", {"fields": ["title_es", "body_es"]}),
    ]

    def has_delete_permission(self, request, obj=None):
        return False  # the footer links to every one of them
