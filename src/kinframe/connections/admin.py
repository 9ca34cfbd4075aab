from django.contrib import admin

from kinframe.admin_readonly import ReadOnlyModelAdmin

from .models import Connection


@admin.register(Connection)
class ConnectionAdmin(ReadOnlyModelAdmin):
    """Read only: connections change through the sender, the inmate or facility staff."""

    list_display = ["sender", "inmate", "status", "relationship", "created_at", "decided_at"]
    list_filter = ["status", "agency"]
    search_fields = ["sender__username", "inmate__number", "inmate__last_name"]
    list_select_related = ["sender", "inmate"]
