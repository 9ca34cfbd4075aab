from django.contrib import admin

from .models import Connection


@admin.register(Connection)
class ConnectionAdmin(admin.ModelAdmin):
    """Read only: connections change through the sender, the inmate or facility staff."""

    list_display = ["sender", "inmate", "status", "relationship", "created_at", "decided_at"]
    list_filter = ["status", "agency"]
    search_fields = ["sender__username", "inmate__number", "inmate__last_name"]
    list_select_related = ["sender", "inmate"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
