from django.contrib import admin

from kinframe.admin_readonly import ReadOnlyModelAdmin

from .models import LedgerEntry, Wallet


@admin.register(Wallet)
class WalletAdmin(ReadOnlyModelAdmin):
    list_display = ["user", "balance", "updated_at"]
    search_fields = ["user__username", "user__email"]
    list_select_related = ["user"]


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyModelAdmin):
    list_display = ["created_at", "wallet", "kind", "amount", "balance_after", "reference"]
    list_filter = ["kind"]
    search_fields = ["reference", "wallet__user__username"]
    list_select_related = ["wallet__user"]
