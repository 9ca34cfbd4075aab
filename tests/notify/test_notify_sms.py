"""SMS backends: the console one keeps a copy; Twilio's is exercised against a local stand-in."""

import json
import threading
from base64 import b64decode
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs

import pytest

from kinframe.notify.models import OutboxMessage
from kinframe.notify.sms import SmsError, send_sms

pytestmark = pytest.mark.django_db


class FakeTwilio(BaseHTTPRequestHandler):
    """Answers like Twilio's Messages API and remembers what it was sent."""

    received: list[dict] = []
    status = 201

    def do_POST(self):
        length = int(self.headers["Content-Length"])
        FakeTwilio.received.append(
            {
                "path": self.path,
                "auth": self.headers.get("Authorization", ""),
                "form": parse_qs(self.rfile.read(length).decode()),
            }
        )
        body = json.dumps({"sid": "SM123", "status": "queued"}).encode()
        if FakeTwilio.status >= 500:
            body = json.dumps({"code": 20500, "message": "Internal Server Error"}).encode()
        elif FakeTwilio.status >= 400:
            body = json.dumps({"code": 21211, "message": "Invalid 'To' Phone Number"}).encode()
        self.send_response(FakeTwilio.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):  # keep test output quiet
        pass


@pytest.fixture
def twilio(settings):
    server = HTTPServer(("127.0.0.1", 0), FakeTwilio)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    FakeTwilio.received = []
    FakeTwilio.status = 201
    settings.SMS_BACKEND = "twilio"
    settings.TWILIO_API_BASE = f"http://127.0.0.1:{server.server_port}"
    settings.TWILIO_ACCOUNT_SID = "AC0001"
    settings.TWILIO_AUTH_TOKEN = "tok"
    settings.TWILIO_FROM_NUMBER = "+15005550006"
    yield FakeTwilio
    server.shutdown()
    server.server_close()
    thread.join()


def test_console_backend_prints_and_keeps_a_copy(capsys):
    send_sms(to="+14155552671", body="Kinframe code: 123456")
    assert "SMS to +14155552671: Kinframe code: 123456" in capsys.readouterr().out
    message = OutboxMessage.objects.get()
    assert (message.channel, message.to, message.body) == (
        "sms",
        "+14155552671",
        "Kinframe code: 123456",
    )


def test_twilio_backend_posts_the_messages_form(twilio):
    send_sms(to="+14155552671", body="Kinframe code: 123456")
    (request,) = twilio.received
    assert request["path"] == "/2010-04-01/Accounts/AC0001/Messages.json"
    assert request["form"] == {
        "To": ["+14155552671"],
        "From": ["+15005550006"],
        "Body": ["Kinframe code: 123456"],
    }
    scheme, credentials = request["auth"].split(" ")
    assert scheme == "Basic"
    assert b64decode(credentials).decode() == "AC0001:tok"
    assert OutboxMessage.objects.filter(to="+14155552671").exists()


def test_twilio_refusal_raises_sms_error(twilio):
    twilio.status = 400
    with pytest.raises(SmsError):
        send_sms(to="+14155552671", body="hello")


def test_a_refused_verification_text_is_a_message_not_a_500(client, twilio):
    twilio.status = 400
    response = client.post(
        "/accounts/signup/",
        {
            "username": "dee",
            "phone": "+14155552671",
            "password1": "a long family passphrase 42",
            "password2": "a long family passphrase 42",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert b"We could not send a text to +14155552671" in response.content


def test_a_number_that_cannot_receive_texts_is_not_tried_again(twilio):
    twilio.status = 400  # Twilio's 21211: invalid 'To' number
    with pytest.raises(SmsError) as refused:
        send_sms(to="+14155552671", body="hello")
    assert refused.value.retryable is False


def test_twilio_being_down_is_worth_another_try(twilio):
    twilio.status = 503
    with pytest.raises(SmsError) as refused:
        send_sms(to="+14155552671", body="hello")
    assert refused.value.retryable is True
