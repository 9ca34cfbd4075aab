from django.contrib import admin

from .models import LedgerEntry, Wallet


class ReadOnlyAdmin(admin.ModelAdmin):
    """Balances change only through the ledger service, never by editing rows here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Wallet)
class WalletAdmin(ReadOnlyAdmin):
    list_display = ["user", "balance", "updated_at"]
    search_fields = ["user__username", "user__email"]
    list_select_related = ["user"]


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "wallet", "kind", "amount", "balance_after", "reference"]
    list_filter = ["kind"]
    search_fields = ["reference", "wallet__user__username"]
    list_select_related = ["wallet__user"]
