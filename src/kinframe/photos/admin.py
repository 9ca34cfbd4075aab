"""Photos in the operator's admin: the record of each photo, never the image itself.

Read only: every change to a photo goes through its services (review in the console, refunds by
the ledger), so support staff can look a photo up for a family without being able to alter it.
"""

from django.contrib import admin, messages

from kinframe.admin_readonly import ReadOnlyModelAdmin
from kinframe.audit.actors import Actor

from .models import Photo, PhotoView
from .retention import photo_legal_hold_set

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
    list_display = [
        "public_id", "status", "facility", "sender", "inmate", "price", "created_at", "legal_hold",
    ]  # fmt: skip
    list_filter = ["status", "facility", "legal_hold"]
    search_fields = ["public_id", "sender__username", "inmate__number", "sha256"]
    list_select_related = ["facility", "sender", "inmate"]
    date_hierarchy = "created_at"
    exclude = ["original", "image", "thumbnail"]
    inlines = [PhotoViewInline]
    actions = ["place_legal_hold", "release_legal_hold"]

    @admin.action(description="Place on legal hold (retention keeps the files)")
    def place_legal_hold(self, request, queryset):
        self._set_hold(request, queryset, held=True)

    @admin.action(description="Release legal hold")
    def release_legal_hold(self, request, queryset):
        self._set_hold(request, queryset, held=False)

    def _set_hold(self, request, queryset, *, held: bool) -> None:
        for pk in queryset.values_list("pk", flat=True):
            photo_legal_hold_set(photo_id=pk, held=held, actor=Actor.operator(request.user))
        verb = "placed on" if held else "released from"
        self.message_user(
            request, f"{queryset.count()} photo(s) {verb} legal hold.", messages.SUCCESS
        )
