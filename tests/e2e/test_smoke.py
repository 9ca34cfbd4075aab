"""The public pages render in a real browser on a phone, with the vendored assets loaded."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)


def test_landing_page_on_a_phone(people):
    visitor = people("visitor", "phone")
    response = visitor.goto("/")
    assert response.status == 200
    expect(visitor.page.get_by_role("heading", level=1)).to_contain_text("Send photos")
    # htmx is vendored and loaded, not fetched from a CDN.
    assert visitor.page.evaluate("typeof window.htmx") == "object"
    # Nothing is wider than the phone's screen.
    assert visitor.page.evaluate("document.documentElement.scrollWidth") <= 390
    visitor.shot("00-landing")
    assert visitor.console_errors == []
