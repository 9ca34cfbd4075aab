"""Browser tests: Playwright for Python driving Debian's Chromium against a live Kinframe server.

No browser is downloaded: Playwright launches ``/usr/bin/chromium`` (``KINFRAME_CHROMIUM`` overrides).
Where none is installed the tests skip with a line saying how to enable them. Screenshots of every
step go to ``artifacts/screenshots/`` (ignored by git).
"""

from __future__ import annotations

import os
import re
import shutil
import threading
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; the test's own ORM calls are synchronous
# and safe here, so tell Django not to refuse them.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
VIEWPORTS = {
    "phone": {"width": 390, "height": 844},
    "kiosk": {"width": 1280, "height": 800},
    "desktop": {"width": 1366, "height": 900},
    "wide": {"width": 1920, "height": 1080},  # a reviewer's desk monitor
    "laptop": {"width": 1366, "height": 768},  # a reviewer's laptop
}


def chromium_path() -> str | None:
    candidate = (
        os.environ.get("KINFRAME_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    )
    return candidate if Path(candidate).exists() else None


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)
            item.add_marker(pytest.mark.xdist_group("e2e"))


ONE_AT_A_TIME = threading.Lock()


@pytest.fixture(autouse=True)
def one_request_at_a_time(request):
    """The live server answers one request at a time.

    The test database is SQLite in memory with a shared cache (pytest-django's arrangement), where
    a write on one connection makes a read on another fail at once with "database table is
    locked" instead of waiting as a file database does (the busy timeout does not apply). A page
    that fetches several things at once (the review page's photos and its heartbeat) would fail at
    random. Production SQLite queues writers (IMMEDIATE transactions, busy timeout) and PostgreSQL
    locks rows; here the server serves one request at a time. ``ONE_AT_A_TIME`` lets a test's own
    queries wait for the request being served.
    """
    if "live_server" not in request.fixturenames:
        yield
        return
    httpd = request.getfixturevalue("live_server").thread.httpd
    app = httpd.get_app()

    def one_at_a_time(environ, start_response):
        with ONE_AT_A_TIME:
            return app(environ, start_response)

    httpd.set_app(one_at_a_time)
    yield
    httpd.set_app(app)


@pytest.fixture(scope="session")
def browser():
    path = chromium_path()
    if path is None:
        pytest.skip(
            "Browser tests need Chromium: install Debian's `chromium` package "
            "(`make test` does this with apt when run as root), or set KINFRAME_CHROMIUM."
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=path, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


class Person:
    """One browser context (cookies, viewport) acting as one person, taking named screenshots."""

    def __init__(self, browser, base_url: str, name: str, viewport: str, locale: str = "en-US"):
        self.name = name
        self.base_url = base_url
        self.context = browser.new_context(
            viewport=VIEWPORTS[viewport],
            base_url=base_url,
            locale=locale,  # the browser's language: Accept-Language and navigator.language
            is_mobile=viewport == "phone",
            has_touch=viewport in {"phone", "kiosk"},
        )
        self.context.set_default_timeout(15_000)
        self.page = self.context.new_page()
        self.console_errors: list[str] = []
        self.page.on(
            "console", lambda m: self.console_errors.append(m.text) if m.type == "error" else None
        )

    def goto(self, path: str):
        return self.page.goto(path)

    def shot(self, step: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        slug = re.sub(r"[^a-z0-9]+", "-", f"{step}-{self.name}".lower()).strip("-")
        path = SCREENSHOTS / f"{slug}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def close(self):
        self.context.close()


@pytest.fixture
def people(browser, live_server):
    """Make browser contexts: ``people("sender", "phone")``; all are closed after the test."""
    made: list[Person] = []

    def make(name: str, viewport: str, locale: str = "en-US") -> Person:
        person = Person(browser, live_server.url, name, viewport, locale)
        made.append(person)
        return person

    yield make
    for person in made:
        person.close()
