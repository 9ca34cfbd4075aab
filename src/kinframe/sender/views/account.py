"""The sender's rights over their account: download everything, or close it."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from kinframe.credits.selectors import balance_of
from kinframe.payments.selectors import refundable_purchases
from kinframe.privacy.services import (
    DELETED_AFTER_CLOSING,
    KEPT_AFTER_CLOSING,
    AccountCloseError,
    account_close,
    account_export,
)

from ..access import SenderRequest, verified_sender_required


class CloseForm(forms.Form):
    password = forms.CharField(
        label=_("Your password, to confirm"), widget=forms.PasswordInput, strip=False
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(gettext("That is not your password."))
        return password


def _page(request: SenderRequest, form: CloseForm, status: int = 200) -> HttpResponse:
    balance = balance_of(request.user)
    return TemplateResponse(
        request,
        "sender/account_data.html",
        {
            "form": form,
            "kept": KEPT_AFTER_CLOSING,
            "deleted": DELETED_AFTER_CLOSING,
            "balance": balance,
            "refundable": balance > 0 and refundable_purchases(user=request.user).exists(),
        },
        status=status,
    )


@verified_sender_required
def account_data(request: SenderRequest) -> HttpResponse:
    return _page(request, CloseForm(user=request.user))


@verified_sender_required
@require_POST
def account_download(request: SenderRequest) -> HttpResponse:
    archive = account_export(actor=request.actor)
    name = f"kinframe-{request.user.get_username()}-{timezone.localdate():%Y-%m-%d}.zip"
    response = HttpResponse(archive, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@verified_sender_required
@require_http_methods(["POST"])
def account_close_view(request: SenderRequest) -> HttpResponse:
    form = CloseForm(request.POST, user=request.user)
    if not form.is_valid():
        return _page(request, form, status=400)
    try:
        account_close(actor=request.actor)
    except AccountCloseError as exc:
        messages.error(request, str(exc))
        return redirect("sender:account_data")
    logout(request)
    messages.success(request, gettext("Your account is closed. Thank you for using Kinframe."))
    return redirect("sender:landing")
