"""Card numbers never reach Kinframe's database or logs, even after a full purchase on the card page."""

import logging

import pytest
from django.core.management import call_command
from tests.payments.payment_helpers import card_form

from kinframe.credits.selectors import balance_of

pytestmark = pytest.mark.django_db

CARDS = ["4242 4242 4242 4242", "4000 0000 0000 0002"]


def forms_of(number: str) -> list[str]:
    digits = number.replace(" ", "")
    return [number, digits, digits[:12], "4242424242", "4000000000000"]


def test_no_card_number_in_the_database_dump_or_the_logs(
    client, sender, caplog, capsys, django_capture_on_commit_callbacks
):
    caplog.set_level(logging.DEBUG)
    client.force_login(sender)
    for number in CARDS:
        hosted = client.post("/credits/", {"pack": "500"})["Location"]
        with django_capture_on_commit_callbacks(execute=True):
            client.post(hosted, card_form(number))
        # a field error, too, must not echo or log the number
        client.post(hosted, card_form(number.replace("42 4242", "42 4241"), expiry="01 / 20"))
    assert balance_of(sender) == 500

    call_command("dumpdata", "--indent", "0")
    captured = capsys.readouterr()
    dump = captured.out
    assert '"card_last4": "4242"' in dump
    assert '"last4": "0002"' in dump
    logs = "\n".join(record.getMessage() for record in caplog.records) + caplog.text
    for text in (dump, captured.err, logs):
        for number in CARDS:
            for form in forms_of(number):
                assert form not in text
