"""Error reports leave without personal data: no cookies, no user, no address, no request body."""

import pytest
import sentry_sdk
from django.test import override_settings
from django.urls import path
from sentry_sdk.transport import Transport

import kinframe.urls
from kinframe.ops.sentry import sentry_init


def boom(request):
    pin = request.POST["pin"]  # a local variable that must not travel with the report
    raise RuntimeError(f"kaboom {len(pin)}")


urlpatterns = [path("boom/", boom), *kinframe.urls.urlpatterns]


@pytest.fixture
def sentry_events():
    events: list[dict] = []

    class Captured(Transport):
        def capture_envelope(self, envelope):
            events.extend(item.payload.json for item in envelope.items if item.type == "event")

    sentry_init(
        dsn="http://public@127.0.0.1:9/1",
        environment="test",
        traces_sample_rate=0,
        transport=Captured,
    )
    yield events
    sentry_sdk.get_client().close()
    sentry_sdk.init()  # no DSN: later tests send nothing


@pytest.mark.django_db  # the request's middleware reads the session and the kiosk device
@override_settings(ROOT_URLCONF=__name__)
def test_an_error_report_carries_no_personal_data(client, sentry_events):
    client.raise_request_exception = False
    client.cookies["sessionid"] = "session-secret"
    response = client.post(
        "/boom/",
        data={"pin": "9731", "email": "mother@example.com"},
        REMOTE_ADDR="203.0.113.9",
        HTTP_USER_AGENT="Kiosk/1.0",
    )
    assert response.status_code == 500
    sentry_sdk.flush()
    (event,) = sentry_events
    assert event["exception"]["values"][-1]["value"] == "kaboom 4"
    text = str(event)
    for secret in ("session-secret", "203.0.113.9", "mother@example.com", "9731"):
        assert secret not in text
    assert "cookies" not in event["request"]
    assert not event["request"].get("data")
