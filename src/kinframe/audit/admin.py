from django.contrib import admin

from kinframe.admin_readonly import ReadOnlyModelAdmin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyModelAdmin):
    list_display = ["created_at", "action", "actor_kind", "actor_label", "target_label", "facility"]
    list_filter = ["actor_kind", "facility"]
    search_fields = ["action", "actor_label", "target_label", "target_id"]
    date_hierarchy = "created_at"
