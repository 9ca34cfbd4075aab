"""A local stand-in for the Stripe API (no network in tests): records requests, answers like Stripe."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest


class FakeStripe:
    def __init__(self):
        self.requests: list[dict] = []
        self.fail_with: int | None = None
        self.sessions: list[dict] = []  # Checkout Sessions the list endpoint returns

    def answer(self, method: str, path: str, form: dict) -> tuple[int, dict]:
        if self.fail_with:
            return self.fail_with, {"error": {"type": "api_error", "message": "Stripe is down"}}
        if method == "POST" and path == "/v1/checkout/sessions":
            return 200, {
                "id": "cs_test_fake",
                "object": "checkout.session",
                "url": "https://checkout.stripe.test/c/pay/cs_test_fake",
                "payment_intent": None,
                "status": "open",
            }
        if method == "GET" and path == "/v1/checkout/sessions":
            since = int(form.get("created[gte]", ["0"])[0])
            return 200, {
                "object": "list",
                "url": "/v1/checkout/sessions",
                "has_more": False,
                "data": [s for s in self.sessions if s["created"] >= since],
            }
        if method == "GET" and path.startswith("/v1/payment_intents/"):
            return 200, {
                "id": path.rsplit("/", 1)[-1],
                "object": "payment_intent",
                "latest_charge": {
                    "id": "ch_fake",
                    "object": "charge",
                    "payment_method_details": {
                        "type": "card",
                        "card": {"brand": "mastercard", "last4": "4444"},
                    },
                },
            }
        if method == "POST" and path == "/v1/refunds":
            return 200, {
                "id": f"re_fake_{len(self.requests)}",
                "object": "refund",
                "amount": int(form["amount"][0]),
                "status": "succeeded",
            }
        return 404, {"error": {"type": "invalid_request_error", "message": "No such path"}}


@pytest.fixture
def fake_stripe(settings):
    state = FakeStripe()

    class Handler(BaseHTTPRequestHandler):
        def _handle(self, method):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode()
            url = urlsplit(self.path)
            form = parse_qs(body or url.query)
            state.requests.append(
                {"method": method, "path": url.path, "form": form, "headers": dict(self.headers)}
            )
            status, data = state.answer(method, url.path, form)
            payload = json.dumps(data).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def do_POST(self):
            self._handle("POST")

        def do_GET(self):
            self._handle("GET")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    settings.STRIPE_API_BASE = f"http://127.0.0.1:{server.server_address[1]}"
    settings.STRIPE_SECRET_KEY = "sk_test_kinframe"
    settings.STRIPE_MAX_NETWORK_RETRIES = 0  # a failure answers at once instead of backing off
    yield state
    server.shutdown()
    server.server_close()
