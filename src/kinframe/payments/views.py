"""The sandbox processor's hosted card page, and the webhook endpoints for both providers."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_POST

from kinframe.accounts.access import signed_in_user

from .forms import SandboxCardForm
from .models import Purchase
from .providers import sandbox
from .selectors import OPEN_CHECKOUT_WINDOW
from .services import WebhookRejected, WebhookRetryLater, dollars, webhook_handle


@sensitive_post_parameters("card_number", "cvc", "expiry")
@sensitive_variables("form", "request")
@login_required
def sandbox_checkout(request: HttpRequest, session_id: str) -> HttpResponse:
    """The test-mode card page. Only the purchase's owner may see it.

    On submit the sandbox decides the card's fate and reports it through the same signed webhook
    path as Stripe; only the card's brand and last four digits go further.
    """
    purchase = Purchase.objects.filter(
        provider="sandbox", provider_reference=session_id, user=signed_in_user(request)
    ).first()
    if purchase is None:
        raise Http404("No such checkout.")
    if purchase.status == Purchase.Status.PAID:
        return redirect(purchase.success_url or "/")
    # After a decline the page stays open for another card, as Stripe's does; the daily limit
    # therefore counts a failed purchase's checkout while it is payable (selectors.open_checkouts_q).
    open_ = purchase.status in (Purchase.Status.CREATED, Purchase.Status.FAILED) and (
        timezone.now() - purchase.created_at < OPEN_CHECKOUT_WINDOW - timedelta(minutes=5)
    )
    form = SandboxCardForm(request.POST or None) if open_ else None
    decline = ""
    if form is not None and request.method == "POST" and form.is_valid():
        outcome = sandbox.sandbox_authorize(card_number=form.cleaned_data["card_number"])
        form = SandboxCardForm()  # drop the submitted number from memory and from the page
        if outcome.paid:
            payload, header = sandbox.signed_event(
                "checkout.session.completed", sandbox.completed_session(purchase, outcome)
            )
        else:
            payload, header = sandbox.signed_event(
                "payment_intent.payment_failed", sandbox.failed_payment(purchase, outcome)
            )
        try:
            webhook_handle(provider="sandbox", payload=payload, signature_header=header)
        except WebhookRetryLater:
            decline = (
                "The payment could not be completed right now. Nothing was charged; try again."
            )
        else:
            if outcome.paid:
                return redirect(purchase.success_url or "/")
            decline = outcome.message
    if form is None:
        status = 410  # expired or no longer payable
    elif request.method != "POST":
        status = 200
    else:
        status = 402 if decline else 400
    return TemplateResponse(
        request,
        "payments/sandbox_checkout.html",
        {
            "purchase": purchase,
            "form": form,
            "decline": decline,
            "amount": dollars(purchase.amount_cents),
        },
        status=status,
    )


def _webhook(request: HttpRequest, *, provider: str, header: str) -> HttpResponse:
    try:
        result = webhook_handle(
            provider=provider, payload=request.body, signature_header=request.headers.get(header)
        )
    except WebhookRejected as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    except WebhookRetryLater as exc:
        response = JsonResponse({"error": str(exc)}, status=503)
        response["Retry-After"] = "30"
        return response
    return JsonResponse({"id": result.event_id, "outcome": result.outcome})


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    return _webhook(request, provider="stripe", header="Stripe-Signature")


@csrf_exempt
@require_POST
def sandbox_webhook(request: HttpRequest) -> HttpResponse:
    return _webhook(request, provider="sandbox", header=sandbox.SIGNATURE_HEADER)
