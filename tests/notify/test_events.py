"""Domain events reach their listeners after the commit, never after a rollback, and one failing
listener neither breaks the change nor silences the others."""

import pytest
from django.db import transaction

from kinframe.notify import events


@pytest.fixture
def heard():
    heard: list = []

    def listener(name, payload):
        heard.append((name, payload))

    def broken(name, payload):
        raise RuntimeError("listener bug")

    events.subscribe("test.happened", broken)
    events.subscribe("test.happened", listener)
    yield heard
    events.unsubscribe("test.happened", broken)
    events.unsubscribe("test.happened", listener)


@pytest.mark.django_db
def test_listeners_hear_after_commit_only(heard, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            events.publish_on_commit("test.happened", thing=1)
            assert heard == []  # not before the commit
        try:
            with transaction.atomic():
                events.publish_on_commit("test.happened", thing=2)
                raise ValueError
        except ValueError:
            pass
    assert heard == [("test.happened", {"thing": 1})]  # the broken listener did not stop it


def test_the_api_listens_to_the_domains_events():
    from kinframe.api.webhooks import on_domain_event

    for name in (events.PHOTO_DELIVERED, events.CONNECTION_REQUESTED, events.INMATE_RELEASED):
        assert on_domain_event in events._listeners[name]
