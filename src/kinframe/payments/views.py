"""The sandbox processor's hosted card page, and the webhook endpoints for both providers."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_POST

from kinframe.accounts.access import signed_in_user

from .errors import WebhookRejected, WebhookRetryLater
from .forms import SandboxCardForm
from .limits import dollars
from .providers import sandbox
from .selectors import sandbox_checkout_for
from .webhooks import webhook_handle


@sensitive_post_parameters("card_number", "cvc", "expiry")
@sensitive_variables("form", "request")
@login_required
def sandbox_checkout(request: HttpRequest, session_id: str) -> HttpResponse:
    """The test-mode card page. Only the purchase's owner may see it; the sandbox processor
    (``sandbox_card_payment``) decides the card's fate and reports it through the webhook path."""
    purchase = sandbox_checkout_for(session_id=session_id, user=signed_in_user(request))
    if purchase is None:
        raise Http404("No such checkout.")
    if purchase.status == purchase.Status.PAID:
        return redirect(purchase.success_url or "/")
    form = SandboxCardForm(request.POST or None) if sandbox.checkout_payable(purchase) else None
    decline, status = "", 200
    if form is None:
        status = 410  # expired or no longer payable
    elif request.method == "POST":
        status = 400
        if form.is_valid():
            result = sandbox.sandbox_card_payment(
                purchase=purchase, card_number=form.cleaned_data["card_number"]
            )
            if result.paid:
                return redirect(purchase.success_url or "/")
            form = SandboxCardForm()  # drop the submitted number from memory and from the page
            decline, status = gettext(result.message) if result.message else "", 402
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
