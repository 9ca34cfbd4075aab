"""Issue 14: a Spanish reader gets Spanish on the account pages, allauth's own included.

A first visit takes its language from the browser (Accept-Language); a signed-in person's
``language`` wins over the browser. Codes by text and email come in the language of the page that
asked for them; a sign-up in Spanish keeps Spanish on the new account, so later notices are Spanish.
These need the compiled Spanish catalog (``kinframe compilemessages``).
"""

import re

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core import mail
from django.urls import reverse
from django.utils import translation
from tests.accounts.helpers import PASSWORD, PHONE, latest_email, latest_sms, signup
from tests.factories import PASSWORD as FACTORY_PASSWORD
from tests.factories import StaffFactory, UserFactory

from kinframe.accounts.models import User
from kinframe.accounts.services import enrolment_link_issue
from kinframe.audit.actors import SYSTEM

pytestmark = pytest.mark.django_db

ES = {"HTTP_ACCEPT_LANGUAGE": "es"}


ENGLISH_WORDS = frozenset(
    [
        "the",
        "your",
        "you",
        "sign",
        "password",
        "email",
        "phone",
        "mobile",
        "number",
        "change",
        "enter",
        "code",
        "verify",
        "account",
        "address",
        "add",
        "remove",
        "security",
        "key",
        "keys",
        "recovery",
        "authenticator",
        "please",
        "forgot",
    ]
)


def text(response) -> str:
    return response.content.decode()


def english_left(response) -> set[str]:
    """English words in the page's own content (the header and footer are other pages' too)."""
    main = re.search(r"(?s)<main\b.*?</main>", text(response)).group(0)
    main = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", main)
    words = re.findall(r"[A-Za-z]+", re.sub(r"<[^>]+>", " ", main))
    return {word for word in words if word.lower() in ENGLISH_WORDS}


def spanish_signup(client, **fields):
    return client.post(
        reverse("account_signup"),
        {"username": "mara", "email": "", "phone": "", "password1": PASSWORD, "password2": PASSWORD}
        | fields,
        **ES,
    )


# --- A first visit: the browser's language --------------------------------------------------------


def test_a_spanish_browser_gets_the_sign_up_page_in_spanish(client):
    page = text(client.get(reverse("account_signup"), **ES))
    assert '<html lang="es">' in page
    assert "Registrarse" in page  # allauth's own words, from its catalog
    assert "Número de celular" in page  # Kinframe's label and help texts
    assert "Un correo electrónico, un número de celular o ambos." in page
    assert "Los números de EE. UU. no necesitan el +1." in page
    assert "We text a code to it" not in page
    assert "Mobile number" not in page


def test_an_english_browser_still_gets_english(client):
    page = text(client.get(reverse("account_signup"), HTTP_ACCEPT_LANGUAGE="en"))
    assert "Mobile number" in page
    assert "We text a code to it. US numbers need no +1." in page
    assert "Número de celular" not in page


def test_the_sign_in_page_and_a_wrong_password_read_spanish(client):
    UserFactory(username="lola")
    assert "Iniciar sesión" in text(client.get(reverse("account_login"), **ES))
    response = client.post(
        reverse("account_login"), {"login": "lola", "password": "a wrong guess"}, **ES
    )
    assert "El usuario y/o la contraseña que ha indicado no son correctos." in text(response)


def test_the_sign_in_lockout_reads_spanish(client, settings):
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "5/300s/key"}
    UserFactory(username="lola")
    for _ in range(6):
        response = client.post(
            reverse("account_login"), {"login": "lola", "password": "a wrong guess"}, **ES
        )
    assert "Demasiados intentos fallidos" in text(response)


@pytest.mark.parametrize(
    "url_name",
    ["account_signup", "account_login", "account_reset_password", "account_reset_password_done"],
)
def test_no_english_is_left_on_the_entrance_pages(client, url_name):
    response = client.get(reverse(url_name), **ES)
    assert response.status_code == 200
    assert english_left(response) == set()


@pytest.mark.parametrize(
    "url_name",
    [
        "account_email",
        "account_change_password",
        "account_change_phone",
        "mfa_index",
        "mfa_list_webauthn",
        "account_reauthenticate",
        "account_logout",
    ],
)
def test_no_english_is_left_on_the_settings_pages_of_a_spanish_account(client, url_name):
    user = UserFactory(username="lola", language="es", phone=PHONE, phone_verified=True)
    client.force_login(user)
    response = client.get(reverse(url_name), follow=True)
    assert response.status_code == 200
    assert english_left(response) == set()


# --- Sign-up errors -------------------------------------------------------------------------------------


def test_sign_up_without_a_contact_is_refused_in_spanish(client):
    response = spanish_signup(client)
    assert response.status_code == 200
    page = text(response)
    assert (
        "Escriba un correo electrónico o un número de celular (o ambos) para que podamos "
        "enviarle un código." in page
    )
    assert not User.objects.filter(username="mara").exists()


def test_a_bad_number_a_taken_username_and_unmatched_passwords_are_refused_in_spanish(client):
    UserFactory(username="mara")
    response = spanish_signup(
        client, phone="12", password1=PASSWORD, password2=PASSWORD + " but different"
    )
    page = text(response)
    assert "Escriba un número de celular válido, por ejemplo (415) 555-2671" in page
    assert "Ya existe un usuario con este nombre." in page  # Django's own catalog
    assert "Debe escribir la misma contraseña cada vez." in page  # allauth's
    assert "Enter a valid mobile number" not in page


def test_a_wrong_texted_code_is_refused_in_spanish(client):
    spanish_signup(client, phone=PHONE)
    code = re.search(r"\b(\d{6})\b", latest_sms(PHONE)).group(1)
    wrong = "000000" if code != "000000" else "111111"
    page = text(client.post(reverse("account_verify_phone"), {"code": wrong}, **ES))
    assert "Código incorrecto." in page
    # Kinframe's wording over allauth's "tú" ("Introduce el código ...").
    assert "Escriba el código que le enviamos a su celular" in page
    assert "Introduce" not in page


# --- Codes by text and by email -----------------------------------------------------------------------


def test_a_spanish_sign_up_gets_its_code_by_text_in_spanish_and_it_works(client):
    response = spanish_signup(client, phone="(415) 555-2671")
    assert response["Location"] == reverse("account_verify_phone")
    body = latest_sms(PHONE)
    assert body.startswith("Su código de Kinframe: ")
    assert "Vence en 15 minutos. Nadie de Kinframe se lo pedirá." in body
    assert "expires" not in body
    code = re.search(r"Su código de Kinframe: (\d{6})\.", body).group(1)

    page = text(client.get(reverse("account_verify_phone"), **ES))
    assert "Enviamos un código de verificación al +14155552671." in page

    response = client.post(reverse("account_verify_phone"), {"code": code}, **ES)
    assert response.status_code == 302
    assert User.objects.get(username="mara").phone_verified


def test_an_english_sign_up_gets_its_code_by_text_in_english(client):
    signup(client, username="dee", phone=PHONE)
    assert latest_sms(PHONE).startswith("Kinframe code: ")


def test_a_spanish_sign_up_gets_its_code_by_email_in_spanish(client):
    spanish_signup(client, email="mara@example.com")
    message = mail.outbox[-1]
    assert message.subject == "[Kinframe] Por favor, confirme su dirección de correo electrónico"
    body = latest_email("mara@example.com")
    assert body.startswith("¡Hola de parte de Kinframe!")
    assert re.search(r"Su código de verificación: [A-Z0-9-]{4,}", body)
    assert "Nadie de Kinframe se lo pedirá nunca." in body
    assert "verification code" not in body


def test_a_taken_number_warns_its_owner_in_the_owners_language(client):
    """Enumeration prevention: the page says "code sent" either way; the owner gets a text."""
    UserFactory(username="owner", phone=PHONE, phone_verified=True, language="es")
    signup(client, username="someone", phone=PHONE)  # from an English browser
    body = latest_sms(PHONE)
    assert body.startswith("Alguien intentó crear una cuenta de Kinframe con este número")
    assert not User.objects.filter(username="someone", phone=PHONE).exists()


# --- The language kept on the account ------------------------------------------------------------------


def test_signing_up_in_spanish_keeps_spanish_on_the_account(client):
    spanish_signup(client, email="mara@example.com")
    assert User.objects.get(username="mara").language == "es"


def test_signing_up_in_english_leaves_the_language_to_the_browser(client):
    signup(client, username="dee", email="dee@example.com")
    assert User.objects.get(username="dee").language == ""


def test_signing_up_with_the_spanish_switch_keeps_spanish_on_the_account(client):
    client.post(reverse("language_set"), {"language": "es", "next": "/accounts/signup/"})
    signup(client, username="dee", email="dee@example.com")  # no Accept-Language: the cookie
    assert User.objects.get(username="dee").language == "es"


def test_a_spanish_account_reads_spanish_on_an_english_browser(client):
    user = UserFactory(username="lola", language="es", phone=PHONE, phone_verified=True)
    client.force_login(user)
    en = {"HTTP_ACCEPT_LANGUAGE": "en"}
    email_page = text(client.get(reverse("account_email"), **en))
    assert "Configuración de la cuenta" in email_page
    assert "Autenticación de doble factor" in email_page
    assert "Account settings" not in email_page
    phone_page = text(client.get(reverse("account_change_phone"), **en))
    assert "Cambiar el número de celular" in phone_page
    assert "Número actual" in phone_page
    assert "Cambiar a teléfono" not in phone_page  # allauth's mistranslation, replaced
    password_page = text(client.get(reverse("account_change_password"), **en))
    assert "Contraseña actual" in password_page


def test_signing_in_greets_a_spanish_account_in_spanish(client):
    UserFactory(username="lola", language="es")
    response = client.post(
        reverse("account_login"),
        {"login": "lola", "password": FACTORY_PASSWORD},
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )
    assert "Ha iniciado sesión exitosamente como lola." in text(response)


def test_the_second_factor_step_of_a_sign_in_speaks_the_accounts_language(client, facility):
    staff = StaffFactory(facility=facility)
    staff.language = "es"
    staff.save(update_fields=["language"])
    TOTP.activate(staff, generate_totp_secret())
    en = {"HTTP_ACCEPT_LANGUAGE": "en"}
    response = client.post(
        reverse("account_login"),
        {"login": staff.username, "password": FACTORY_PASSWORD},
        follow=True,
        **en,
    )
    assert response.redirect_chain[-1][0] == reverse("mfa_authenticate")
    assert "Su cuenta está protegida con autenticación de doble factor." in text(response)

    # Choosing English on the way switches the rest of the sign-in to English.
    client.post(reverse("language_set"), {"language": "en"}, **en)
    page = text(client.get(reverse("mfa_authenticate"), **en))
    assert "Your account is protected by two-factor authentication." in page


def test_an_unverified_spanish_account_gets_the_code_page_in_spanish(client):
    UserFactory(username="lola", language="es", verified=False)
    response = client.post(
        reverse("account_login"),
        {"login": "lola", "password": FACTORY_PASSWORD},
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )
    page = text(response)
    assert "Escriba el código que le enviamos por correo electrónico" in page
    assert "Verifique su correo electrónico o su número de celular para continuar." in page
    assert "Su código de verificación:" in latest_email("lola@example.com")


def test_a_password_reset_email_goes_in_the_accounts_language(client):
    UserFactory(username="lola", language="es")
    client.post(
        reverse("account_reset_password"),
        {"email": "lola@example.com"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    body = latest_email("lola@example.com")
    assert body.startswith("¡Hola de parte de Kinframe!")
    assert "restablecer su contraseña" in body


# --- The language switch (POST /accounts/language/) ----------------------------------------------------


def test_the_switch_stores_the_choice_on_a_signed_in_account(client):
    user = UserFactory(username="lola")
    client.force_login(user)
    response = client.post(
        reverse("language_set"), {"language": "es", "next": reverse("account_email")}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email")
    user.refresh_from_db()
    assert user.language == "es"
    assert "Configuración de la cuenta" in text(client.get(reverse("account_email")))


def test_the_switch_sets_the_cookie_for_an_anonymous_visitor(client, settings):
    response = client.post(
        reverse("language_set"), {"language": "es", "next": reverse("account_login")}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("account_login")
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
    assert "Iniciar sesión" in text(client.get(reverse("account_login")))


def test_the_switch_refuses_a_language_not_offered(client, settings):
    user = UserFactory(username="lola")
    client.force_login(user)
    response = client.post(reverse("language_set"), {"language": "xx", "next": "/"})
    assert response.status_code == 400
    user.refresh_from_db()
    assert user.language == ""
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


def test_the_switch_refuses_in_spanish_for_a_spanish_reader(client):
    response = client.post(reverse("language_set"), {"language": "klingon"}, **ES)
    assert response.status_code == 400
    assert text(response) == "Elija uno de los idiomas disponibles."


@pytest.mark.parametrize(
    "unsafe", ["https://evil.example/", "//evil.example/", "http://evil.example/accounts/"]
)
def test_the_switch_never_sends_anyone_off_the_site(client, unsafe):
    response = client.post(reverse("language_set"), {"language": "es", "next": unsafe})
    assert response.status_code == 302
    assert response["Location"] == "/"


# --- Staff: second-factor enrolment pages ----------------------------------------------------------------


def test_staff_enrolment_pages_read_spanish(client, settings, facility):
    settings.CONSOLE_REQUIRE_MFA = True
    staff = StaffFactory(facility=facility)
    staff.language = "es"
    staff.save(update_fields=["language"])
    client.force_login(staff)
    page = text(client.get(reverse("mfa_enrolment_required")))
    assert "Pida un enlace de registro al administrador de su centro" in page
    _link, token = enrolment_link_issue(actor=SYSTEM, user=staff)
    page = text(client.get(reverse("mfa_enrolment_link", args=[token])))
    assert f"Inició sesión como <strong>{staff.username}</strong>." in page
    client.post(reverse("mfa_enrolment_link", args=[token]))
    used = client.post(reverse("mfa_enrolment_link", args=[token]))
    assert used.status_code == 400
    assert "Este enlace de registro ya se usó." in text(used)


# --- Plural forms --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "one", "two"),
    [
        ("en", "You have added 1 security key.", "You have added 2 security keys."),
        ("es", "Agregó 1 clave de seguridad.", "Agregó 2 claves de seguridad."),
    ],
)
def test_security_keys_are_counted_in_the_right_plural(language, one, two):
    """allauth's count on the two-factor page, in Kinframe's own (usted) Spanish."""
    singular = "You have added %(count)s security key."
    plural = "You have added %(count)s security keys."
    with translation.override(language):
        assert translation.ngettext(singular, plural, 1) % {"count": 1} == one
        assert translation.ngettext(singular, plural, 2) % {"count": 2} == two


@pytest.mark.parametrize(
    ("language", "title", "sentence"),
    [
        ("en", "Too many requests", "Be patient, you are sending too many requests."),
        ("es", "Demasiadas solicitudes", "Por favor, espere un momento"),
    ],
)
def test_the_too_many_requests_page_reads_in_the_accounts_language(
    client, settings, language, title, sentence
):
    settings.ACCOUNT_RATE_LIMITS = {"change_phone": "1/m/user"}
    user = UserFactory(username="lola", language=language, phone=PHONE, phone_verified=True)
    client.force_login(user)
    client.post(reverse("account_change_phone"), {"phone": "+14155558888", "action_add": "1"})
    response = client.post(
        reverse("account_change_phone"), {"phone": "+14155557777", "action_add": "1"}
    )
    assert response.status_code == 429
    page = text(response)
    assert title in page
    assert sentence in page
