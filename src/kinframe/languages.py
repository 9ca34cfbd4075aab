"""Which languages Kinframe speaks, and the one a request is answered in.

``LANGUAGES`` in settings lists them; Django's ``LocaleMiddleware`` picks from the language cookie
and the browser's Accept-Language, and ``AccountLanguageMiddleware`` lets a signed-in person's own
choice win. Notices are rendered in the recipient's language (``language_of``), not the language of
whoever caused them.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import translation
from django.utils.translation import get_supported_language_variant


def supported_language(code: str | None) -> str | None:
    """``code`` as one of ``LANGUAGES`` ("es-MX" -> "es"), or None if the site does not offer it."""
    if not code:
        return None
    try:
        return get_supported_language_variant(code)
    except LookupError:
        return None


def language_of(person) -> str:
    """The language to write to ``person`` (a user or a kiosk profile) in: theirs, else the default."""
    return supported_language(getattr(person, "language", "")) or settings.LANGUAGE_CODE


def speak(request, code: str | None) -> bool:
    """Answer the rest of ``request`` in ``code`` if the site offers it; True if it switched.

    For the choices LocaleMiddleware cannot see (an account's, a kiosk profile's), made after it
    ran. It only activates: LocaleMiddleware activates afresh on the thread's next request.
    """
    chosen = supported_language(code)
    if chosen:
        translation.activate(chosen)
        request.LANGUAGE_CODE = chosen
    return bool(chosen)
