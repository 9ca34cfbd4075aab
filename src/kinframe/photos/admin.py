"""Photos in the operator's admin: the record of each photo, never the image itself.

Read only: every change to a photo goes through its services (review in the console, refunds by
the ledger), so support staff can look a photo up for a family without being able to alter it.
"""

from django.contrib import admin

from kinframe.admin_readonly import ReadOnlyModelAdmin

from .models import Photo, PhotoView

VIEW_FIELDS = ("viewed_at", "viewer_kind", "viewer_inmate", "viewer_user", "ip_address")


class PhotoViewInline(admin.TabularInline):
    model = PhotoView
    fields = VIEW_FIELDS
    readonly_fields = VIEW_FIELDS
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Photo)
class PhotoAdmin(ReadOnlyModelAdmin):
    list_display = ["public_id", "status", "facility", "sender", "inmate", "price", "created_at"]
    list_filter = ["status", "facility"]
    search_fields = ["public_id", "sender__username", "inmate__number", "sha256"]
    list_select_related = ["facility", "sender", "inmate"]
    date_hierarchy = "created_at"
    exclude = ["original", "image", "thumbnail"]
    inlines = [PhotoViewInline]
