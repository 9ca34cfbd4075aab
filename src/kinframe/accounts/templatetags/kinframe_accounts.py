"""Stable ``data-testid`` names for allauth's pages, so a browser test can drive the journey.

allauth renders each page from small element templates (form, fields, button); each knows the
page template it came from (``origin``) and its ``tags``. These tags turn that into one name.
"""

from __future__ import annotations

from django import template

register = template.Library()

PAGE_NAMES = {
    "account/login": "login",
    "account/signup": "signup",
    "account/logout": "logout",
    "account/password_reset": "password-reset",
    "account/password_reset_from_key": "password-reset-key",
    "account/password_change": "password-change",
    "account/password_set": "password-set",
    "account/email": "email",
    "account/email_change": "email-change",
    "account/email_confirm": "email-confirm",
    "account/phone_change": "phone-change",
    "account/reauthenticate": "reauthenticate",
    "account/request_login_code": "login-code-request",
    "mfa/authenticate": "mfa",
    "mfa/reauthenticate": "mfa-reauthenticate",
    "mfa/trust": "mfa-trust",
    "mfa/totp/activate_form": "totp-activate",
    "mfa/totp/deactivate_form": "totp-deactivate",
    "mfa/recovery_codes/generate": "recovery-codes-generate",
    "mfa/recovery_codes/index": "recovery-codes",
    "mfa/index": "mfa-index",
}


@register.simple_tag
def account_page_name(origin: str, tags=None) -> str:
    """``account/signup`` -> ``signup``; the code-entry pages -> ``verify-code`` / ``login-code``."""
    tags = tags or []
    if origin == "account/base_confirm_code":
        return "login-code" if "login" in tags else "verify-code"
    return PAGE_NAMES.get(origin, origin.replace("/", "-").replace("_", "-"))


@register.simple_tag
def form_testid(origin: str, tags=None) -> str:
    name = account_page_name(origin, tags)
    if name == "email" and tags:
        return f"email-{tags[-1]}-form"  # the address list and the add-address form
    return f"{name}-form"


@register.simple_tag
def button_testid(origin: str, attrs: dict) -> str:
    tags = attrs.get("tags") or []
    name = account_page_name(origin, tags)
    action = attrs.get("name") or ""
    if action.startswith("action_"):
        return f"{name}-{action.removeprefix('action_')}"
    if action == "action" and attrs.get("value"):
        return f"{name}-{attrs['value']}"
    if "resend" in tags:
        return "resend-code"
    if "cancel" in tags:
        return f"{name}-cancel"
    if attrs.get("id") == "passkey_login":  # beside the password form's submit on the sign-in page
        return "passkey-login"
    if attrs.get("href"):
        return ""
    return f"{name}-submit"


@register.simple_tag
def field_widget(field, origin: str, tags=None):
    """Render ``field``'s widget with a testid: ``verify-code-input``, ``phone-input``..."""
    name = account_page_name(origin, tags)
    if field.name == "code" and name in {"verify-code", "login-code"}:
        testid = f"{name}-input"
    elif field.name == "code" and name.startswith("mfa"):
        testid = "mfa-code-input"
    elif field.name == "code":
        testid = f"{name}-code-input"
    else:
        testid = f"{field.name}-input"
    return field.as_widget(attrs={"data-testid": testid})
