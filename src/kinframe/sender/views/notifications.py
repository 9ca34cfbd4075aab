"""How a sender hears from Kinframe: the preferences page and the one-click unsubscribe link."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from kinframe.audit.actors import Actor
from kinframe.notify.models import NotificationPreference
from kinframe.notify.notices import (
    notification_preference_set,
    notifications_unsubscribe,
    preference_for,
    unsubscribe_token_user_id,
    verified_email,
)

from ..access import SenderRequest, verified_sender_required


class PreferencesForm(forms.Form):
    channels = forms.ChoiceField(
        label=_("Tell me about connections and photos by"),
        choices=NotificationPreference.Channels.choices,
        widget=forms.RadioSelect,
    )
    low_balance = forms.BooleanField(
        label=_("Remind me when my balance falls below the price of two photos"), required=False
    )


@verified_sender_required
@require_http_methods(["GET", "POST"])
def preferences(request: SenderRequest) -> HttpResponse:
    preference = preference_for(request.user)
    initial = {"channels": preference.channels, "low_balance": preference.low_balance}
    form = PreferencesForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        notification_preference_set(actor=request.actor, **form.cleaned_data)
        messages.success(request, gettext("Saved. Receipts always come, whatever you choose."))
        return redirect("sender:notifications")
    return TemplateResponse(
        request,
        "sender/notifications.html",
        {
            "form": form,
            "email": verified_email(request.user),
            "phone": request.user.phone if request.user.phone_verified else "",
        },
        status=400 if request.method == "POST" else 200,
    )


@csrf_exempt  # mail clients POST here without a session (RFC 8058); the signed token is the check
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks to confirm (link scanners must not unsubscribe anyone); POST unsubscribes."""
    user_id = unsubscribe_token_user_id(token)
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first() if user_id else None
    if user is None:
        raise Http404("This unsubscribe link is not valid.")
    done = request.method == "POST"
    if done:
        notifications_unsubscribe(actor=Actor.sender(user))
    return TemplateResponse(request, "sender/unsubscribe.html", {"done": done})
