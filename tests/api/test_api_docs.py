"""The OpenAPI schema lists every endpoint, the docs page loads nothing from a CDN, and the rate limit."""

import re

import pytest

pytestmark = pytest.mark.django_db


def test_the_schema_lists_every_endpoint(client):
    schema = client.get("/api/openapi.json").json()
    operations = {
        (method.upper(), path)
        for path, item in schema["paths"].items()
        for method in item
        if method in {"get", "put", "post", "patch", "delete"}
    }
    assert operations == {
        ("GET", "/api/health"),
        ("GET", "/api/v1/facilities"),
        ("GET", "/api/v1/inmates"),
        ("GET", "/api/v1/inmates/{number}"),
        ("PUT", "/api/v1/inmates/{number}"),
        ("POST", "/api/v1/inmates/{number}/release"),
        ("GET", "/api/v1/facilities/{facility}/people/{number}/photos"),
        ("GET", "/api/v1/facilities/{facility}/people/{number}/photos/{photo_id}"),
        ("GET", "/api/v1/facilities/{facility}/people/{number}/photos/{photo_id}/image"),
        ("GET", "/api/v1/facilities/{facility}/people/{number}/photos/{photo_id}/thumbnail"),
        ("POST", "/api/v1/facilities/{facility}/people/{number}/photos/{photo_id}/views"),
        ("GET", "/api/v1/facilities/{facility}/people/{number}/connections"),
        (
            "POST",
            "/api/v1/facilities/{facility}/people/{number}/connections/{connection_id}/{decision}",
        ),
        ("GET", "/api/v1/webhooks"),
        ("POST", "/api/v1/webhooks"),
        ("DELETE", "/api/v1/webhooks/{endpoint_id}"),
    }
    put = schema["paths"]["/api/v1/inmates/{number}"]["put"]
    assert put["tags"] == ["roster"]
    assert put["security"] == [{"ApiClientAuth": []}]
    assert {"name": "Idempotency-Key", "in": "header"}.items() <= {
        **next(p for p in put["parameters"] if p["name"] == "Idempotency-Key")
    }.items()
    assert {"200", "201", "401", "403", "404", "409", "422", "429"} <= set(put["responses"])
    assert set(put["responses"]["404"]["content"]) == {"application/problem+json"}
    assert "Retry-After" in put["responses"]["429"]["headers"]
    assert schema["components"]["securitySchemes"]["ApiClientAuth"]["scheme"] == "bearer"
    listing = schema["paths"]["/api/v1/inmates"]["get"]
    assert {"facility", "status", "page", "page_size"} <= {p["name"] for p in listing["parameters"]}


def test_the_docs_page_loads_only_local_assets(client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    html = response.content.decode()
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert urls
    assert all(url.startswith("/static/ninja/") for url in urls)
    assert "//" not in "".join(urls)
    assert "cdn" not in html.lower()
    assert '"url": "/api/openapi.json"' in html


def test_every_get_declares_its_refusals(client):
    """Issue 15: GETs declared only 200 though they answer 401, 422 and 429."""
    schema = client.get("/api/openapi.json").json()
    for path, item in schema["paths"].items():
        if path.startswith("/api/v1/") and "get" in item:
            assert {"401", "429"} <= set(item["get"]["responses"]), path


def test_a_client_over_its_rate_gets_429(feed, other_feed, settings):
    settings.KINFRAME_API_RATE = "2/min"
    assert feed.get("facilities").status_code == 200
    assert feed.get("facilities").status_code == 200
    response = feed.get("facilities")
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 429
    assert other_feed.get("facilities").status_code == 200  # each client has its own budget
