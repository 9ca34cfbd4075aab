"""Random JSON shapes, correctly signed, thrown at the webhooks: never a 500, and credits move only
for a valid event whose ids match the purchase it names."""

import json
import uuid
from contextlib import contextmanager

import pytest
import stripe
from django.db import transaction
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.factories import PurchaseFactory, UserFactory

from kinframe.credits.selectors import balance_of, ledger_problems
from kinframe.payments.models import PaymentEvent, Purchase
from kinframe.payments.providers import sandbox

pytestmark = pytest.mark.django_db

SECRET = "whsec_property"
JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
)
JSON = st.recursive(
    JSON_SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
HYPOTHESIS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def either(*good):
    """One of the values that fit, or any JSON at all."""
    return st.sampled_from(good) | JSON


@contextmanager
def rolled_back():
    """Each example starts from the same purchases: undo whatever it did."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


@pytest.fixture
def books(settings, fake_stripe):
    """``waiting``: an open checkout (cs_waiting); ``paid``: a paid purchase (pi_paid, 1000)."""
    settings.STRIPE_WEBHOOK_SECRET = SECRET
    waiting = PurchaseFactory(user=UserFactory(), provider="stripe", credits=700)
    paid = PurchaseFactory(user=UserFactory(), provider="stripe", credits=1000)
    for purchase in (waiting, paid):
        Purchase.objects.filter(pk=purchase.pk).update(
            provider_reference=f"cs_{purchase.pk}", payment_reference=""
        )
        purchase.refresh_from_db()
    body = {
        "id": "evt_setup",
        "type": "checkout.session.completed",
        "data": {"object": stripe_object(paid, "checkout.session.completed")},
    }
    assert post_stripe(body).status_code == 200
    paid.refresh_from_db()
    assert paid.payment_reference == f"pi_{paid.pk}"
    assert balance_of(paid.user) == 1000
    return waiting, paid


def stripe_object(purchase, event_type: str) -> dict:
    """What Stripe sends for ``purchase`` in an event of ``event_type``, valid in every field."""
    return {
        "id": purchase.provider_reference if "session" in event_type else "ch_or_dp_1",
        "amount_total": purchase.amount_cents,
        "amount_refunded": purchase.amount_cents,
        "amount": purchase.amount_cents,
        "currency": "usd",
        "client_reference_id": str(purchase.pk),
        "metadata": {"purchase_id": str(purchase.pk)},
        "payment_intent": f"pi_{purchase.pk}",
        "payment_status": "paid",
    }


def post_stripe(body) -> object:
    payload = json.dumps(body).encode()
    signature = stripe.WebhookSignature.generate_signature_header(payload.decode(), SECRET)
    return Client(raise_request_exception=False).post(
        reverse("payments:webhook_stripe"),
        payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=signature,
    )


EVENT_TYPES = [
    "checkout.session.completed",
    "checkout.session.expired",
    "payment_intent.payment_failed",
    "charge.refunded",
    "charge.dispute.created",
    "customer.created",
]


@st.composite
def stripe_bodies(draw, waiting, paid):
    """An event about one of the purchases, each field either right, another purchase's, or junk."""
    if draw(st.integers(0, 9)) == 0:
        return draw(JSON)  # not even an event
    event_type = draw(st.sampled_from(EVENT_TYPES) | st.text(max_size=20))
    about, other = draw(st.permutations([waiting, paid]))
    good, wrong = stripe_object(about, event_type), stripe_object(other, event_type)
    obj = {}
    for field, value in good.items():
        choice = draw(st.integers(0, 5))
        if choice <= 2:
            obj[field] = value
        elif choice == 3:
            obj[field] = wrong[field]
        elif choice == 4:
            obj[field] = draw(JSON)
    body = {
        "id": draw(st.just(f"evt_{uuid.uuid4().hex}") | JSON),
        "type": event_type,
        "data": draw(st.just({"object": obj}) | st.fixed_dictionaries({"object": JSON}) | JSON),
    }
    return body


def is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def obj_of(body):
    data = body.get("data") if isinstance(body, dict) else None
    return data.get("object") if isinstance(data, dict) else None


def may_pay(body, purchase) -> bool:
    """What an event must say, at least, to pay ``purchase``."""
    obj = obj_of(body)
    return (
        isinstance(obj, dict)
        and body.get("type") == "checkout.session.completed"
        and obj.get("id") == purchase.provider_reference
        and obj.get("payment_status") == "paid"
        and is_int(obj.get("amount_total"))
        and obj["amount_total"] == purchase.amount_cents
    )


def may_take_back(body, purchase) -> bool:
    """What an event must say, at least, to refund or dispute ``purchase``'s payment."""
    obj = obj_of(body)
    field = {"charge.refunded": "amount_refunded", "charge.dispute.created": "amount"}
    return (
        isinstance(obj, dict)
        and body.get("type") in field
        and obj.get("payment_intent") == purchase.payment_reference
        and is_int(obj.get(field[body["type"]]))
        and obj[field[body["type"]]] >= 0
    )


@given(data=st.data())
@HYPOTHESIS
def test_random_signed_stripe_events_never_500_and_move_credits_only_when_valid(books, data):
    waiting, paid = books
    body = data.draw(stripe_bodies(waiting, paid))
    with rolled_back():
        events = PaymentEvent.objects.count()
        response = post_stripe(body)
        assert response.status_code in (200, 400, 503), response.content
        if response.status_code != 200:
            assert PaymentEvent.objects.count() == events  # refused: nothing kept
            assert response.json()["error"]
        if balance_of(waiting.user) != 0:
            assert may_pay(body, waiting)
            assert balance_of(waiting.user) == waiting.credits
        if balance_of(paid.user) != 1000:
            assert may_take_back(body, paid)
            assert 0 <= balance_of(paid.user) < 1000
        assert ledger_problems() == []


def test_the_fully_valid_event_does_pay(books):
    """The property's other half: the event with every field right credits the purchase."""
    waiting, _ = books
    body = {
        "id": "evt_valid",
        "type": "checkout.session.completed",
        "data": {"object": stripe_object(waiting, "checkout.session.completed")},
    }
    assert post_stripe(body).status_code == 200
    assert balance_of(waiting.user) == waiting.credits


@pytest.fixture
def sandbox_waiting(db):
    purchase = PurchaseFactory(user=UserFactory(), provider="sandbox", credits=600)
    Purchase.objects.filter(pk=purchase.pk).update(payment_reference=f"pi_sbx_{purchase.pk}")
    purchase.refresh_from_db()
    return purchase


@given(data=st.data())
@HYPOTHESIS
def test_random_signed_sandbox_events_never_500_and_pay_only_when_valid(sandbox_waiting, data):
    purchase = sandbox_waiting
    good = {
        "id": f"sbx_{uuid.uuid4().hex}",
        "outcome": "paid",
        "purchase": purchase.pk,
        "session": purchase.provider_reference,
        "payment": purchase.payment_reference,
        "amount": purchase.amount_cents,
        "currency": "usd",
        "card": {"brand": "visa", "last4": "4242"},
    }
    body = {}
    for field, value in good.items():
        choice = data.draw(st.integers(0, 4))
        if choice <= 2:
            body[field] = value
        elif choice == 3:
            body[field] = data.draw(JSON)
    if data.draw(st.integers(0, 9)) == 0:
        body = data.draw(JSON)
    payload = json.dumps(body).encode()
    with rolled_back():
        response = Client(raise_request_exception=False).post(
            reverse("payments:webhook_sandbox"),
            payload,
            content_type="application/json",
            HTTP_KINFRAME_SANDBOX_SIGNATURE=sandbox.sign(payload),
        )
        assert response.status_code in (200, 400, 503), response.content
        if balance_of(purchase.user) != 0:
            assert isinstance(body, dict)
            for field in ("outcome", "purchase", "session", "payment", "amount"):
                assert body.get(field) == good[field]
            assert is_int(body["amount"])
            assert balance_of(purchase.user) == purchase.credits
