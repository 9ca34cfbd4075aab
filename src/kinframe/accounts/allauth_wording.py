"""allauth's own sentences that Kinframe words differently in its translations.

django-allauth ships a Spanish catalog, and Django uses it on allauth's pages. A few of its
sentences address the reader as "tú", or are wrong ("Phone Verification" as "Reenviar
Verificación telefónica"), where Kinframe speaks to families as "usted". Listing them here puts them
in Kinframe's own catalog (``makemessages`` reads this module), and ``LOCALE_PATHS`` wins over an
app's catalog, so Kinframe's wording is the one shown. The msgids must stay exactly allauth's; the
English is allauth's and is not changed. Nothing imports this module: it exists to be extracted.
"""

from django.utils.translation import gettext_noop, ngettext_lazy

ALLAUTH_SENTENCES = (
    # Verification by code (sign-up, a new email address or mobile number).
    gettext_noop("Phone Verification"),
    gettext_noop("Enter Phone Verification Code"),
    gettext_noop("Enter Email Verification Code"),
    gettext_noop(
        "We've sent a code to %(recipient)s. The code expires shortly, so please enter it soon."
    ),
    gettext_noop("A verification code has been sent to %(phone)s."),
    gettext_noop("You have verified phone number %(phone)s."),
    gettext_noop("Re-send Verification"),
    # Rate limits (HTTP 429).
    gettext_noop("Be patient, you are sending too many requests."),
    # The email page of a sender who gave only a mobile number.
    gettext_noop(
        "You currently do not have any email address set up. You should really add an email "
        "address so you can receive notifications, reset your password, etc."
    ),
    # Two-factor authentication.
    gettext_noop("Use authenticator app or code"),
    gettext_noop(
        "Your account is protected by two-factor authentication. Please enter an authenticator "
        "code:"
    ),
    gettext_noop("Are you sure you want to remove this security key?"),
    gettext_noop(
        "You are about to create a passkey for your account. As you can add additional keys "
        "later on, you can use a descriptive name to tell the keys apart."
    ),
    gettext_noop(
        "You cannot generate recovery codes without having two-factor authentication enabled."
    ),
    gettext_noop("Download codes"),
    gettext_noop("Passwordless"),
    ngettext_lazy(
        "You have added %(count)s security key.", "You have added %(count)s security keys.", "count"
    ),
)
