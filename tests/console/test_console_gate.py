"""Every console page passes through the one gate: a view that skipped it could read another
facility's data, so this walks the URL list instead of trusting each view to remember."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from kinframe.console.access import ConsoleScope


def console_patterns():
    """(route, callback) for every URL under the console's namespace."""

    def walk(patterns, prefix=""):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                yield from walk(entry.url_patterns, prefix + str(entry.pattern))
            elif isinstance(entry, URLPattern):
                yield prefix + str(entry.pattern), entry.callback

    resolver = get_resolver()
    (console,) = [r for r in resolver.url_patterns if getattr(r, "namespace", "") == "console"]
    return list(walk(console.url_patterns, str(console.pattern)))


def test_the_walk_finds_the_console_pages():
    routes = [route for route, _ in console_patterns()]
    assert "console/" in routes
    assert any("review" in route for route in routes)
    assert len(routes) >= 10


CONSOLE_PATTERNS = console_patterns()


@pytest.mark.parametrize(
    ("route", "view"), CONSOLE_PATTERNS, ids=[route for route, _ in CONSOLE_PATTERNS]
)
def test_every_console_view_passes_the_gate(route, view):
    gate = getattr(view, "console_gate", None)
    assert gate is not None, f"{route} is not declared with console_view or staff_required"
    if "<slug:code>" in route:
        assert gate != "staff", f"{route} names a facility but does not resolve it through the gate"


def test_a_view_behind_the_gate_gets_the_scope(client, reviewer, facility):
    """The scope the gate sets is what the template's navigation shows."""
    client.force_login(reviewer)
    response = client.get(f"/console/{facility.code}/review/")
    assert response.status_code == 200
    assert isinstance(response.wsgi_request.console, ConsoleScope)
    assert response.context["facility"] == facility
    assert response.context["can"]["review"] is True
