"""``EMAIL_URL`` to Django's ``EMAIL_*`` settings, parsed by django-environ.

The scheme says how the connection is protected, as in RFC 8314, and each has its usual port:

- ``smtp://host``: plain SMTP on port 25, no TLS (a relay on the same host or network);
- ``smtp+tls://user:pass@host``: STARTTLS, on the submission port 587;
- ``smtps://user:pass@host`` (or ``smtp+ssl://``): implicit TLS on port 465.

A port in the URL wins. User name and password may be percent-encoded (``%40`` for ``@``).
django-environ reads ``smtps`` as STARTTLS; RFC 8314 and every mail provider mean implicit TLS by
it, so it is read as ``smtp+ssl`` here. No Django import: settings.py calls this.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

import environ

DEFAULT_PORTS = {"smtp": 25, "smtp+tls": 587, "smtp+ssl": 465}
ALIASES = {"smtps": "smtp+ssl", "submission": "smtp+tls"}


class EmailUrlError(ValueError):
    pass


def email_settings(url: str) -> dict[str, Any]:
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise EmailUrlError(f"EMAIL_URL must look like smtp+tls://user:pass@host, not {url!r}")
    scheme = ALIASES.get(scheme.lower(), scheme.lower())
    if scheme not in DEFAULT_PORTS:
        raise EmailUrlError(
            f"EMAIL_URL scheme {scheme!r} is not one of smtp, smtp+tls, smtps (or smtp+ssl)"
        )
    parsed = environ.Env.email_url_config(f"{scheme}://{rest}")
    use_ssl = scheme == "smtp+ssl"
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": parsed["EMAIL_HOST"] or "localhost",
        "EMAIL_PORT": parsed["EMAIL_PORT"] or DEFAULT_PORTS[scheme],
        "EMAIL_HOST_USER": unquote(parsed["EMAIL_HOST_USER"] or ""),
        "EMAIL_HOST_PASSWORD": unquote(parsed["EMAIL_HOST_PASSWORD"] or ""),
        "EMAIL_USE_TLS": scheme == "smtp+tls",
        "EMAIL_USE_SSL": use_ssl,
    }
