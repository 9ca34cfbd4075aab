"""The sender's credits: balance, buying by card, the statement (page and CSV), refunds."""

from __future__ import annotations

import csv

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from kinframe.credits.models import LedgerEntry
from kinframe.credits.selectors import balance_of, statement
from kinframe.keyset import keyset_page
from kinframe.payments.errors import PurchaseError, RefundError
from kinframe.payments.limits import PurchaseLimits, credit_count, dollars
from kinframe.payments.models import Purchase
from kinframe.payments.providers import get_provider
from kinframe.payments.purchases import purchase_checkout, purchase_create
from kinframe.payments.refunds import purchase_refund_unspent
from kinframe.payments.selectors import purchases_for, unspent_refundable_credits

from ..access import SenderRequest, verified_sender_required

STATEMENT_PAGE_SIZE = 50


def _pack_label(credits: int) -> str:
    return ngettext(
        "%(credits)s credit · %(amount)s", "%(credits)s credits · %(amount)s", credits
    ) % {"credits": credit_count(credits), "amount": dollars(credits)}


class BuyCreditsForm(forms.Form):
    """Which pack, or how many credits. Whether the amount is allowed is the purchase service's
    decision (``PurchaseLimits``); the form only reads the limits for its hints."""

    pack = forms.ChoiceField(label=_("How many credits?"), widget=forms.RadioSelect)
    custom_credits = forms.IntegerField(
        label=_("Custom amount (credits)"),
        required=False,
        widget=forms.NumberInput(attrs={"data-testid": "custom-credits", "inputmode": "numeric"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limits = PurchaseLimits.current()
        self.fields["pack"].choices = [
            *((str(n), _pack_label(n)) for n in settings.CREDITS_PACKS),
            ("custom", gettext("Another amount")),
        ]
        self.fields["pack"].initial = str(settings.CREDITS_PACKS[0])
        custom = self.fields["custom_credits"]
        custom.help_text = gettext("%(minimum)s to %(maximum)s credits.") % {
            "minimum": credit_count(limits.minimum),
            "maximum": credit_count(limits.maximum),
        }
        custom.widget.attrs.update({"min": limits.minimum, "max": limits.maximum})

    def clean(self):
        data = super().clean()
        pack = data.get("pack")
        if data.get("custom_credits") is not None:
            # A typed amount is what the sender meant, whichever radio button is still ticked.
            data["credits"] = data["custom_credits"]
        elif pack == "custom":
            if data.get("custom_credits") is None:
                self.add_error("custom_credits", gettext("Enter how many credits you want to buy."))
                return data
            data["credits"] = data["custom_credits"]
        elif pack:
            data["credits"] = int(pack)
        return data


def _entry_description(entry: LedgerEntry) -> str:
    """What an entry was for, in the sender's words."""
    if entry.photo_id and entry.photo:
        recipient = entry.photo.inmate.full_name
        if entry.kind == LedgerEntry.Kind.PHOTO_CHARGE:
            return gettext("Photo to %(name)s") % {"name": recipient}
        return gettext("Refund: photo to %(name)s (%(status)s)") % {
            "name": recipient,
            "status": entry.photo.get_status_display(),
        }
    if entry.purchase_id and entry.purchase:
        card = entry.purchase.card_label
        if entry.kind == LedgerEntry.Kind.PURCHASE:
            return gettext("Bought with %(card)s") % {"card": card}
        if entry.kind == LedgerEntry.Kind.PURCHASE_REFUND:
            return gettext("Refunded to %(card)s") % {"card": card}
        if entry.kind == LedgerEntry.Kind.CHARGEBACK:
            return gettext("Disputed payment on %(card)s") % {"card": card}
    return entry.memo or entry.get_kind_display()


def _credits_page(request: HttpRequest, form: BuyCreditsForm, status: int = 200) -> HttpResponse:
    user = request.user
    balance = balance_of(user)
    limits = PurchaseLimits.current()
    page = keyset_page(
        request, statement(user=user), key="created_at", per_page=STATEMENT_PAGE_SIZE
    )
    for entry in page:
        entry.description = _entry_description(entry)
    return TemplateResponse(
        request,
        "sender/credits/credits.html",
        {
            "balance": balance,
            "debt": max(-balance, 0),
            "form": form,
            "test_mode": get_provider().test_mode,
            "purchases": purchases_for(user=user)[:10],
            "entries": page,
            "refundable": unspent_refundable_credits(user=user, balance=balance),
            "min_purchase": limits.minimum,
            "max_purchase": dollars(limits.maximum),
            "max_credits": limits.maximum,
            "daily_limit": dollars(limits.daily),
        },
        status=status,
    )


@verified_sender_required
@require_http_methods(["GET", "POST"])
def credits(request: SenderRequest) -> HttpResponse:
    """Balance, buy credits, limits, recent purchases and the full statement."""
    if request.method != "POST":
        return _credits_page(request, BuyCreditsForm())
    form = BuyCreditsForm(request.POST)
    if not form.is_valid():
        return _credits_page(request, form, status=400)
    try:
        purchase = purchase_create(actor=request.actor, credits=form.cleaned_data["credits"])
        detail = reverse("sender:purchase", kwargs={"purchase_id": purchase.pk})
        url = purchase_checkout(
            actor=request.actor,
            purchase=purchase,
            success_url=detail,
            cancel_url=f"{detail}?cancelled=1",
        )
    except PurchaseError as exc:
        form.add_error(None, str(exc))
        return _credits_page(request, form, status=400)
    return redirect(url)


@verified_sender_required
def purchase(request: SenderRequest, purchase_id: int) -> HttpResponse:
    """Where the card page sends the sender back: the purchase's outcome, as the webhook decided."""
    found = Purchase.objects.filter(pk=purchase_id, user=request.user).first()
    if found is None:
        raise Http404("No such purchase.")
    cancelled = request.GET.get("cancelled") == "1" and found.status == Purchase.Status.CREATED
    return TemplateResponse(
        request,
        "sender/credits/purchase.html",
        {
            "purchase": found,
            "amount": dollars(found.amount_cents),
            "cancelled": cancelled,
            "waiting": found.status == Purchase.Status.CREATED and not cancelled,
            "balance": balance_of(request.user),
        },
    )


@verified_sender_required
@require_http_methods(["GET", "POST"])
def refund(request: SenderRequest) -> HttpResponse:
    """A sender asks for their unspent credits back to the cards they paid with (free)."""
    balance = balance_of(request.user)
    refundable = unspent_refundable_credits(user=request.user, balance=balance)
    if request.method == "POST":
        try:
            purchase_refund_unspent(actor=request.actor)
        except RefundError as exc:
            messages.error(request, str(exc))
            return redirect("sender:credits")
        refunded = balance - balance_of(request.user)
        messages.success(
            request,
            ngettext(
                "%(credits)s credit (%(amount)s) is on its way back to your card. "
                "Card refunds take 5 to 10 days to appear.",
                "%(credits)s credits (%(amount)s) are on their way back to your card. "
                "Card refunds take 5 to 10 days to appear.",
                refunded,
            )
            % {"credits": credit_count(refunded), "amount": dollars(refunded)},
        )
        return redirect("sender:credits")
    return TemplateResponse(
        request,
        "sender/credits/refund.html",
        {"balance": balance, "refundable": refundable, "amount": dollars(refundable)},
    )


def _csv_safe(value):
    """Spreadsheets run a cell that starts with = + - @ as a formula; a leading ' stops that.

    Whole numbers (amounts, balances) are written as numbers: "-100" cannot be a formula.
    """
    if isinstance(value, int):
        return value
    text = str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


@verified_sender_required
def statement_csv(request: SenderRequest) -> HttpResponse:
    """Every ledger entry, oldest first, with the running balance."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="kinframe-statement-{stamp}.csv"'
    response["Cache-Control"] = "private, no-store"
    writer = csv.writer(response)
    writer.writerow(["date", "description", "kind", "credits", "balance", "reference"])
    for entry in statement(user=request.user).reverse().iterator(chunk_size=500):
        writer.writerow(
            [
                _csv_safe(timezone.localtime(entry.created_at).isoformat(timespec="seconds")),
                _csv_safe(_entry_description(entry)),
                _csv_safe(entry.kind),
                _csv_safe(entry.amount),
                _csv_safe(entry.balance_after),
                _csv_safe(entry.reference),
            ]
        )
    return response
