"""A tablet vendor's view of the API: a client scoped to one facility, people, photos, a receiver."""

from __future__ import annotations

import hashlib
import io
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image

from kinframe.connections.models import Connection
from kinframe.photos.models import Photo


def jpeg_bytes(size=(64, 48), color=(200, 80, 40)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "JPEG")
    return buffer.getvalue()


def delivered_photo(connection: Connection, *, reviewed_at=None, status=Photo.Status.APPROVED):
    """A processed photo over ``connection`` with real display and thumbnail JPEGs."""
    display = jpeg_bytes((320, 240))
    photo = Photo.objects.create(
        sender=connection.sender,
        inmate=connection.inmate,
        connection=connection,
        facility=connection.inmate.facility,
        status=status,
        price=100,
        width=320,
        height=240,
        sha256=hashlib.sha256(display).hexdigest(),
        reviewed_at=reviewed_at or timezone.now(),
    )
    photo.image.save("display.jpg", ContentFile(display), save=False)
    photo.thumbnail.save("thumb.jpg", ContentFile(jpeg_bytes()), save=False)
    photo.save(update_fields=["image", "thumbnail"])
    return photo


class Tablet:
    """Calls the vendor endpoints the way a tablet vendor's backend does."""

    def __init__(self, client, token: str):
        self.client, self.token = client, token

    def headers(self, **extra) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", **extra}

    def person(self, inmate) -> str:
        return f"/api/v1/facilities/{inmate.facility.code}/people/{inmate.number}"

    def get(self, path: str, params=None, **headers):
        return self.client.get(path, params or {}, headers=self.headers(**headers))

    def post(self, path: str, body=None, **headers):
        return self.client.post(
            path,
            json.dumps(body) if body is not None else "",
            content_type="application/json",
            headers=self.headers(**headers),
        )


class Receiver:
    """A webhook receiver on 127.0.0.1: records every POST and answers each path's status."""

    def __init__(self):
        self.requests: list[dict] = []
        self.status: dict[str, int] = {}
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append(
                    {
                        "path": self.path,
                        "headers": {k.lower(): v for k, v in self.headers.items()},
                        "body": body,
                    }
                )
                self.send_response(receiver.status.get(self.path, 204))
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.server.server_port}{path}"

    def to(self, path: str) -> list[dict]:
        return [request for request in self.requests if request["path"] == path]

    def close(self):
        self.server.shutdown()
        self.server.server_close()
