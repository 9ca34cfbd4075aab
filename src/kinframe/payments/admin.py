"""Operators: purchases (refund whole or unspent part, simulate a sandbox chargeback) and events.

Rows are read-only here; every change goes through the payments services so it is locked,
recorded in the ledger and audited.
"""

from django.contrib import admin, messages

from kinframe.admin_readonly import ReadOnlyModelAdmin
from kinframe.audit.actors import Actor

from .chargebacks import sandbox_simulate_chargeback
from .errors import RefundError
from .models import PaymentEvent, Purchase
from .refunds import purchase_refund


def _each(modeladmin, request, queryset, action, done: str):
    for purchase in queryset.order_by("pk"):
        try:
            action(purchase)
        except RefundError as exc:
            modeladmin.message_user(request, str(exc), messages.ERROR)
        else:
            modeladmin.message_user(request, f"Purchase #{purchase.pk}: {done}.", messages.SUCCESS)


@admin.register(Purchase)
class PurchaseAdmin(ReadOnlyModelAdmin):
    list_display = [
        "id",
        "created_at",
        "user",
        "credits",
        "status",
        "provider",
        "card_brand",
        "card_last4",
        "refunded_credits",
        "charged_back_credits",
    ]
    list_filter = ["status", "provider"]
    search_fields = [
        "=id",
        "user__username",
        "user__email",
        "provider_reference",
        "payment_reference",
    ]
    list_select_related = ["user"]
    actions = ["refund_unspent", "refund_whole", "simulate_chargeback"]

    @admin.action(description="Refund the unspent part of the selected purchases")
    def refund_unspent(self, request, queryset):
        _each(
            self,
            request,
            queryset,
            lambda p: purchase_refund(
                purchase=p, unspent_only=True, actor=Actor.operator(request.user)
            ),
            "unspent credits refunded",
        )

    @admin.action(description="Refund the selected purchases in full")
    def refund_whole(self, request, queryset):
        _each(
            self,
            request,
            queryset,
            lambda p: purchase_refund(purchase=p, actor=Actor.operator(request.user)),
            "refunded in full",
        )

    @admin.action(description="Simulate a chargeback (sandbox purchases only)")
    def simulate_chargeback(self, request, queryset):
        _each(
            self,
            request,
            queryset,
            lambda p: sandbox_simulate_chargeback(purchase=p, actor=Actor.operator(request.user)),
            "chargeback simulated",
        )


@admin.register(PaymentEvent)
class PaymentEventAdmin(ReadOnlyModelAdmin):
    list_display = ["received_at", "provider", "event_type", "event_id", "purchase", "processed_at"]
    list_filter = ["provider", "event_type"]
    search_fields = ["event_id"]
    list_select_related = ["purchase"]
