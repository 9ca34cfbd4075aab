"""Email goes out the way EMAIL_URL says: plain, STARTTLS or implicit TLS, to a real SMTP server
(aiosmtpd) on loopback. Before, ``smtp://`` forced STARTTLS, ``smtp+tls://`` sent in the clear and
``smtps://`` went to port 587."""

from __future__ import annotations

import os
import smtplib
import socket
import ssl
import subprocess
import sys

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from django.core import mail
from django.core.mail import get_connection

from kinframe.notify.email_url import EmailUrlError, email_settings

USER, PASSWORD = "kinframe@example.org", "p@ss:w/rd"
URL_USER, URL_PASSWORD = "kinframe%40example.org", "p%40ss%3Aw%2Frd"


class Inbox:
    """Keeps what the server received, and how: over TLS or not, signed in as whom."""

    def __init__(self):
        self.messages: list[dict] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(
            {
                "to": envelope.rcpt_tos,
                "body": envelope.content.decode(),
                "tls": server.transport.get_extra_info("ssl_object") is not None,
                "login": session.authenticated and session.auth_data,
            }
        )
        return "250 OK"


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and (
        auth_data.login.decode(),
        auth_data.password.decode(),
    ) == (USER, PASSWORD)
    return AuthResult(success=ok, handled=False, auth_data=USER if ok else None)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def ca():
    return trustme.CA()


@pytest.fixture
def trust_test_ca(ca, monkeypatch):
    """The client trusts the test CA (as it would trust the provider's real certificate)."""
    real = ssl.create_default_context

    def create_default_context(*args, **kwargs):
        context = real(*args, **kwargs)
        ca.configure_trust(context)
        return context

    monkeypatch.setattr(ssl, "create_default_context", create_default_context)


def server_context(ca) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    return context


@pytest.fixture
def smtp_server(ca):
    """Start an SMTP server of the kind asked for; stopped after the test."""
    started = []

    def start(kind: str) -> tuple[Inbox, int]:
        inbox, port = Inbox(), free_port()
        # aiosmtpd counts only STARTTLS as TLS for auth_require_tls; implicit TLS is TLS throughout.
        options: dict = {"authenticator": authenticator, "auth_require_tls": kind == "starttls"}
        if kind == "starttls":
            options.update(tls_context=server_context(ca), require_starttls=True)
        controller = Controller(
            inbox,
            hostname="127.0.0.1",
            port=port,
            ssl_context=server_context(ca) if kind == "implicit" else None,
            **options,
        )
        controller.start()
        started.append(controller)
        return inbox, port

    yield start
    for controller in started:
        controller.stop()


def send_with(url: str) -> None:
    config = email_settings(url)
    connection = get_connection(
        backend=config["EMAIL_BACKEND"],
        host=config["EMAIL_HOST"],
        port=config["EMAIL_PORT"],
        username=config["EMAIL_HOST_USER"] or None,
        password=config["EMAIL_HOST_PASSWORD"] or None,
        use_tls=config["EMAIL_USE_TLS"],
        use_ssl=config["EMAIL_USE_SSL"],
        timeout=5,
    )
    mail.EmailMessage(
        "Your photo was delivered", "Grace saw it.", "no-reply@kinframe.test", ["mum@example.org"],
        connection=connection,
    ).send()  # fmt: skip


def test_plain_smtp_to_a_relay_uses_no_tls(smtp_server):
    inbox, port = smtp_server("plain")
    send_with(f"smtp://127.0.0.1:{port}")
    (message,) = inbox.messages
    assert message["to"] == ["mum@example.org"]
    assert "Grace saw it." in message["body"]
    assert message["tls"] is False


def test_starttls_signs_in_only_after_the_connection_is_encrypted(smtp_server, trust_test_ca):
    inbox, port = smtp_server("starttls")
    send_with(f"smtp+tls://{URL_USER}:{URL_PASSWORD}@127.0.0.1:{port}")
    (message,) = inbox.messages
    assert message["tls"] is True
    assert message["login"] == USER


def test_implicit_tls_with_smtps(smtp_server, trust_test_ca):
    inbox, port = smtp_server("implicit")
    send_with(f"smtps://{URL_USER}:{URL_PASSWORD}@127.0.0.1:{port}")
    (message,) = inbox.messages
    assert message["tls"] is True
    assert message["login"] == USER


def test_a_server_that_demands_starttls_refuses_plain_smtp(smtp_server):
    """The reason ``smtp+tls://`` must never fall back to cleartext."""
    inbox, port = smtp_server("starttls")
    with pytest.raises(smtplib.SMTPException):
        send_with(f"smtp://127.0.0.1:{port}")
    assert inbox.messages == []


@pytest.mark.parametrize(
    ("url", "port", "tls", "ssl_"),
    [
        ("smtp://relay.internal", 25, False, False),
        ("smtp+tls://u:p@smtp.example.org", 587, True, False),
        ("smtps://u:p@smtp.example.org", 465, False, True),
        ("smtp+ssl://u:p@smtp.example.org", 465, False, True),
        ("smtps://u:p@smtp.example.org:2465", 2465, False, True),
        ("submission://u:p@smtp.example.org", 587, True, False),
    ],
)
def test_each_scheme_gets_its_usual_port_and_protection(url, port, tls, ssl_):
    config = email_settings(url)
    assert (config["EMAIL_PORT"], config["EMAIL_USE_TLS"], config["EMAIL_USE_SSL"]) == (
        port,
        tls,
        ssl_,
    )


@pytest.mark.parametrize("url", ["smtp.example.org", "http://smtp.example.org", "imap://x"])
def test_a_url_that_is_not_smtp_is_refused(url):
    with pytest.raises(EmailUrlError):
        email_settings(url)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://127.0.0.1:2525", "2525 False False"),
        ("smtp+tls://u:p@h", "587 True False"),
        ("smtps://u:p@h", "465 False True"),
    ],
)
def test_the_settings_module_reads_email_url_this_way(url, expected):
    """What a deployment gets: the settings module itself, imported fresh with EMAIL_URL set."""
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    code = (
        "from kinframe import settings as s; print(s.EMAIL_PORT, s.EMAIL_USE_TLS, s.EMAIL_USE_SSL)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**env, "EMAIL_URL": url, "DEBUG": "1"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.strip() == expected, result.stderr
