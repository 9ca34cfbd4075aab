"""A Django admin page that only shows rows: for records that change only through their services.

Ledger entries, audit events, payment records, photos and the like must never be edited or deleted
by hand; operators look them up here, and act through the actions and services that lock, record
and audit the change.
"""

from django.contrib import admin


class ReadOnlyModelAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
