"""Finding 7: security headers on every page, no inline script or style, private caching, deploy check.

The page walk reads the URL resolver, so a page added later is covered without touching this file:
every GET page each role can open must carry the Content Security Policy, and its HTML must hold no
script the policy would block (inline code without the request's nonce), no inline event handler
(``onclick=``, htmx's ``hx-on``) and no inline style (``style=`` or ``<style>``).
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.exceptions import NoReverseMatch

from kinframe.facilities.models import RejectionReason, StaffMembership
from kinframe.photos.models import Photo
from tests.factories import (
    ConnectionFactory,
    InmateFactory,
    PhotoFactory,
    StaffFactory,
    UserFactory,
)
from tests.kiosk.kiosk_helpers import kiosk_client

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[1]
DATA_SCRIPT_TYPES = {"application/json", "application/ld+json"}


# --- What a browser enforcing the policy would refuse to run -------------------------------------
class InlineCodeFinder(HTMLParser):
    """Collects every piece of inline script, event handler or style in a page."""

    def __init__(self, nonce: str | None) -> None:
        super().__init__()
        self.nonce = nonce
        self.problems: list[str] = []
        self._script: dict[str, str | None] | None = None
        self._script_text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        for name, _value in attrs:
            if name.startswith("on") or name.startswith("hx-on"):
                self.problems.append(f"<{tag} {name}=...> inline event handler")
            if name == "style":
                self.problems.append(f"<{tag} style=...> inline style")
        if tag == "style":
            self.problems.append("<style> element")
        if tag == "script":
            self._script, self._script_text = names, ""

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._script_text += data

    def handle_endtag(self, tag: str) -> None:
        if tag != "script" or self._script is None:
            return
        script, self._script = self._script, None
        if script.get("src") or not self._script_text.strip():
            return
        if (script.get("type") or "").lower() in DATA_SCRIPT_TYPES:
            return  # data for a script (allauth's, json_script): browsers never run it
        if not self.nonce or script.get("nonce") != self.nonce:
            self.problems.append(f"inline <script> without the nonce: {self._script_text[:60]!r}")


def csp_nonce(policy: str) -> str | None:
    for token in policy.replace(";", " ").split():
        if token.startswith("'nonce-"):
            return token[len("'nonce-") : -1]
    return None


def test_the_finder_catches_what_the_policy_blocks():
    """The checker itself: each kind of inline code is reported, the nonce'd script is not."""
    finder = InlineCodeFinder(nonce="abc")
    finder.feed(
        '<p style="color:red" onclick="x()">'
        "<style>p{}</style><script>alert(1)</script>"
        '<script nonce="abc">ok()</script><script type="application/json">{}</script>'
        '<form hx-on::after-request="x()"></form><script src="/static/a.js"></script>'
    )
    assert len(finder.problems) == 5, finder.problems


# --- Every GET page for every role ---------------------------------------------------------------
def get_routes(patterns=None, namespace: str | None = None):
    """(URL name, kwarg names) for every named route in the project."""
    if patterns is None:
        patterns = get_resolver().url_patterns
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from get_routes(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            name = f"{namespace}:{entry.name}" if namespace else entry.name
            kwargs = set(entry.pattern.regex.groupindex) - set(entry.default_args)
            yield name, kwargs


@pytest.fixture
def world(facility):
    """One of everything a page can be about: a facility, its people, a photo, a reason."""
    sender = UserFactory(username="walker")
    inmate = InmateFactory(facility=facility)
    connection = ConnectionFactory(sender=sender, inmate=inmate)
    photo = PhotoFactory(connection=connection, status=Photo.Status.APPROVED, credits=500)
    reason = RejectionReason.objects.filter(facility=facility).first() or (
        RejectionReason.objects.create(facility=facility, label="Other", sender_message="No.")
    )
    roles = StaffMembership.Role
    people = {
        "sender": sender,
        "reviewer": StaffFactory(facility=facility, facility__role=roles.REVIEWER),
        "facility_admin": StaffFactory(facility=facility, facility__role=roles.ADMIN),
        "investigator": StaffFactory(facility=facility, facility__role=roles.INVESTIGATOR),
        "operator": UserFactory(username="op", is_superuser=True, is_staff=True),
    }
    values = {
        "code": facility.code,
        "public_id": photo.public_id,
        "connection_id": connection.pk,
        "reason_id": reason.pk,
        "variant": "thumbnail",
        "member_id": people["reviewer"].staff_memberships.get().pk,
    }
    return {"people": people, "values": values, "inmate": inmate}


def routes_to_visit(values: dict) -> list[str]:
    urls = []
    for name, kwargs in get_routes():
        if name.startswith("admin:") and kwargs:
            continue  # one admin object page stands for all; changelists and add pages are walked
        if not kwargs <= values.keys():
            continue  # needs an object this walk does not make (a purchase, a reset key)
        try:
            urls.append(reverse(name, kwargs={k: values[k] for k in kwargs}))
        except NoReverseMatch:
            continue
    return sorted(set(urls))


ROLES = ["anonymous", "sender", "reviewer", "facility_admin", "investigator", "operator", "kiosk"]
# Pages each role must reach, so the walk cannot pass by reaching nothing.
MUST_REACH = {
    "anonymous": ["/", "/accounts/login/", "/accounts/signup/"],
    "sender": ["/home/", "/connections/", "/credits/", "/photos/", "/accounts/2fa/"],
    "reviewer": ["/console/", "/console/{code}/review/", "/console/{code}/photos/"],
    "facility_admin": ["/console/{code}/settings/", "/console/{code}/staff/"],
    "investigator": ["/console/{code}/audit/"],
    "operator": ["/admin/", "/admin/accounts/user/", "/admin/accounts/user/add/"],
    "kiosk": ["/kiosk/"],
}


@pytest.mark.parametrize("role", ROLES)
def test_every_page_has_the_policy_and_no_inline_code(role, world):
    if role == "kiosk":
        client = kiosk_client(world["inmate"])
    else:
        client = Client()
        if role != "anonymous":
            client.force_login(world["people"][role])
    reached, problems = set(), []
    for url in routes_to_visit(world["values"]):
        response = client.get(url)
        if url.startswith("/accounts/logout"):
            continue
        policy = response.get("Content-Security-Policy", "")
        if not policy:
            problems.append(f"{url}: {response.status_code} without a Content-Security-Policy")
            continue
        assert "unsafe-inline" not in policy
        assert "unsafe-eval" not in policy
        if role != "anonymous" and "no-store" not in response.get("Cache-Control", ""):
            problems.append(f"{url}: signed-in response without Cache-Control: no-store")
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        reached.add(url)
        finder = InlineCodeFinder(csp_nonce(policy))
        finder.feed(response.content.decode())
        problems += [f"{url}: {problem}" for problem in finder.problems]
    must = {url.format(**world["values"]) for url in MUST_REACH[role]}
    assert must <= reached, f"{role} did not reach {sorted(must - reached)}"
    assert problems == []


def test_the_policy_forbids_inline_code_and_framing(client):
    policy = client.get("/").headers["Content-Security-Policy"]
    directives = dict(
        (part.split()[0], part.split()[1:]) for part in policy.split(";") if part.strip()
    )
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"][0] == "'self'"
    assert directives["style-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]


def test_permissions_policy_and_no_caching_of_signed_in_pages(client, sender):
    anonymous = client.get("/")
    assert "camera=()" in anonymous["Permissions-Policy"]
    assert "no-store" not in anonymous.get("Cache-Control", "")
    client.force_login(sender)
    cache_control = client.get("/home/")["Cache-Control"]
    assert "private" in cache_control
    assert "no-store" in cache_control


def test_a_kiosk_session_is_never_cached(inmate):
    client = kiosk_client(inmate)
    cache_control = client.get("/kiosk/")["Cache-Control"]
    assert "private" in cache_control
    assert "no-store" in cache_control


def test_a_sign_in_lasts_hours_not_weeks(client, sender):
    client.force_login(sender)
    session = SessionStore(session_key=client.cookies["sessionid"].value)
    assert session.get_expiry_age() <= 12 * 60 * 60


def test_hsts_and_ssl_redirect_come_from_the_environment(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31_536_000
    assert client.get("/")["Location"].startswith("https://")
    secure = client.get("/", secure=True)
    assert secure["Strict-Transport-Security"].startswith("max-age=31536000")
    assert client.get("/api/health").status_code == 200  # a load balancer's plain-HTTP probe


# --- check --deploy with production settings -----------------------------------------------------
PRODUCTION_ENV = {
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "photos.example.org",
    "SECURE_SSL_REDIRECT": "1",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "1",
    "SECURE_HSTS_PRELOAD": "1",
    "SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto: https",
    "PAYMENT_SANDBOX_SECRET": secrets.token_urlsafe(32),
}


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "KINFRAME_DATA_DIR": str(tmp_path / "var"),
        **PRODUCTION_ENV,
    }
    result = subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
        env={**env, "DJANGO_SETTINGS_MODULE": "kinframe.settings"},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
