"""Photos on S3-compatible storage, against a real S3 API: moto's server, started on loopback.

A photo goes the whole way (sent on the sender's page, processed, approved, opened at the kiosk
by a signed URL) and the bytes the browser gets are the ones processing made. Signed URLs stop
working after their expiry. Backups read and write the bucket through the storage API.

moto serves S3's API but does not enforce a pre-signed URL's expiry, so the server here wraps it
with S3's rule (refuse once X-Amz-Date + X-Amz-Expires has passed, as "Request has expired").
"""

from __future__ import annotations

import hashlib
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from io import StringIO
from urllib.parse import parse_qs, urlparse

import boto3
import pytest
import time_machine
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.urls import reverse
from werkzeug.serving import make_server

from kinframe.ops.backup import storage_names
from kinframe.photos.models import Photo
from kinframe.photos.services import photo_approve
from tests.actors import as_staff
from tests.factories import StaffFactory, give_credits
from tests.kiosk.kiosk_helpers import kiosk_client
from tests.photos.photo_helpers import jpeg_upload

pytestmark = [pytest.mark.s3, pytest.mark.xdist_group("s3")]  # one worker pays moto's start-up

BUCKET = "kinframe-photos"
SIGNED_URL_SECONDS = 2


class S3Expiry:
    """WSGI wrapper: a pre-signed request past its expiry gets S3's 403 "Request has expired"."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        query = parse_qs(environ.get("QUERY_STRING", ""))
        if "X-Amz-Expires" in query and "X-Amz-Date" in query:
            signed = datetime.strptime(query["X-Amz-Date"][0], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
            if datetime.now(UTC) > signed + timedelta(seconds=int(query["X-Amz-Expires"][0])):
                start_response("403 Forbidden", [("Content-Type", "application/xml")])
                return [
                    b"<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>"
                ]
        return self.app(environ, start_response)


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    from moto.server import DomainDispatcherApplication, create_backend_app

    server = make_server(
        "127.0.0.1", 0, S3Expiry(DomainDispatcherApplication(create_backend_app)), threaded=True
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    endpoint = f"http://127.0.0.1:{server.server_port}"
    boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="kinframe-test",
        aws_secret_access_key="kinframe-test-secret",
    ).create_bucket(Bucket=BUCKET)
    yield endpoint
    server.shutdown()


@pytest.fixture
def s3_storage(settings, s3_endpoint):
    """The settings STORAGE_BACKEND=s3 makes, pointed at the loopback server (short signed URLs)."""
    settings.STORAGE_BACKEND = "s3"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": s3_endpoint,
                "region_name": "us-east-1",
                "access_key": "kinframe-test",
                "secret_key": "kinframe-test-secret",
                "default_acl": "private",
                "querystring_auth": True,
                "querystring_expire": SIGNED_URL_SECONDS,
                "signature_version": "s3v4",
                "file_overwrite": False,
                "location": f"run-{threading.get_ident()}-{datetime.now(UTC):%H%M%S%f}",
            },
        },
    }
    return default_storage


def fetch(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


@pytest.fixture
def delivered_on_s3(s3_storage, client, connection_, django_capture_on_commit_callbacks):
    """A photo sent through the sender's page, processed and approved, its files in the bucket."""
    give_credits(connection_.sender, 500)
    client.force_login(connection_.sender)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("sender:photo_send", kwargs={"connection_id": connection_.pk}),
            {"photos": [jpeg_upload(size=(1200, 900))]},
        )
    assert response.status_code in (200, 302)
    photo = Photo.objects.get(sender=connection_.sender)
    assert photo.status == Photo.Status.PENDING_REVIEW
    photo_approve(photo=photo, actor=as_staff(StaffFactory(facility=connection_.inmate.facility)))
    photo.refresh_from_db()
    return photo


@pytest.mark.django_db
def test_a_photo_goes_through_s3_and_reaches_the_kiosk_by_a_signed_url(
    delivered_on_s3, connection_, s3_endpoint
):
    photo = delivered_on_s3
    assert photo.image.name in set(storage_names())
    assert not photo.original  # the upload is gone once processed

    kiosk = kiosk_client(connection_.inmate)
    response = kiosk.get(
        reverse("kiosk:photo_file", kwargs={"public_id": photo.public_id, "variant": "display"})
    )
    assert response.status_code == 302
    assert response["Cache-Control"] == "private, no-store"
    signed = response["Location"]
    assert signed.startswith(s3_endpoint)
    assert parse_qs(urlparse(signed).query)["X-Amz-Expires"] == [str(SIGNED_URL_SECONDS)]

    status, body = fetch(signed)
    assert status == 200
    assert hashlib.sha256(body).hexdigest() == photo.sha256
    assert body[:3] == b"\xff\xd8\xff"  # the processed JPEG

    unsigned = signed.split("?")[0]
    assert fetch(unsigned)[0] == 403  # the bucket is private


@pytest.mark.django_db
def test_a_signed_url_stops_working_after_its_expiry(delivered_on_s3, connection_):
    kiosk = kiosk_client(connection_.inmate)
    url = reverse(
        "kiosk:photo_file", kwargs={"public_id": delivered_on_s3.public_id, "variant": "thumbnail"}
    )
    signed = kiosk.get(url)["Location"]
    assert fetch(signed)[0] == 200
    with time_machine.travel(datetime.now(UTC) + timedelta(seconds=SIGNED_URL_SECONDS + 1)):
        status, body = fetch(signed)
    assert status == 403
    assert b"expired" in body


@pytest.mark.django_db(transaction=True)
def test_backup_and_restore_read_and_write_the_bucket(delivered_on_s3, tmp_path):
    names = sorted(storage_names())
    assert len(names) == 2
    digests = {n: hashlib.sha256(default_storage.open(n).read()).hexdigest() for n in names}
    archive = tmp_path / "kinframe.tar"
    call_command("backup", str(archive), stdout=StringIO())
    for name in names:
        default_storage.delete(name)
    assert list(storage_names()) == []

    call_command("restore", str(archive), interactive=False, stdout=StringIO())
    restored = {n: hashlib.sha256(default_storage.open(n).read()).hexdigest() for n in names}
    assert sorted(storage_names()) == names
    assert restored == digests
