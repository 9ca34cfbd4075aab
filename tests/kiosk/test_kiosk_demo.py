"""`make run`'s demo: its printed kiosk code enrols a screen where its people sign in straight home."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from kinframe.ops.demo import DEMO_PIN, load_demo

pytestmark = pytest.mark.django_db


def test_the_demo_kiosk_code_and_pin_work():
    logins = load_demo()
    lcj = next(x for x in logins if x.role == "kiosk screen" and "Lakeview" in x.where)
    code = re.search(r"code (\S+)", lcj.secret).group(1)
    kiosk = Client()
    kiosk.post(reverse("kiosk:enrol"), {"code": code})
    response = kiosk.post(reverse("kiosk:sign_in"), {"number": "A1001", "pin": DEMO_PIN})
    assert response["Location"] == reverse("kiosk:home")
    # The other facility's person cannot sign in on this facility's screen.
    other = kiosk.post(reverse("kiosk:sign_in"), {"number": "B2001", "pin": DEMO_PIN})
    assert other.status_code == 400
