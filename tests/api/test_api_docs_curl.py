"""The curl examples in docs/api.md work as written: run them against a live server on loopback.

Only the host, the token and the vendor's webhook URL are replaced; every command, header and
body is the one a reader copies.
"""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from tests.actors import SYSTEM
from tests.api.vendor_helpers import delivered_photo
from tests.factories import ConnectionFactory, FacilityFactory, InmateFactory

from kinframe.api.models import ApiClient, WebhookEndpoint
from kinframe.api.services import api_client_create
from kinframe.connections.models import Connection
from kinframe.facilities.models import Inmate
from kinframe.photos.models import PhotoView

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"

pytestmark = pytest.mark.skipif(shutil.which("curl") is None, reason="needs curl")


def shell_block(heading: str) -> str:
    """The first ```sh block under ``heading`` in docs/api.md."""
    text = DOC.read_text()
    section = text[text.index(heading) :]
    return re.search(r"```sh\n(.*?)```", section, re.S)[1]


def run(script: str, cwd: Path) -> subprocess.CompletedProcess:
    assert script.count("curl ") >= 5
    return subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_a_tablet_vendors_whole_integration_as_documented(live_server, tmp_path, receiver):
    jail = FacilityFactory(code="county-jail")
    person = InmateFactory(facility=jail, number="A100")
    family = ConnectionFactory(inmate=person)
    photo = delivered_photo(family)
    asking = ConnectionFactory(inmate=person, status=Connection.Status.REQUESTED)
    _, token = api_client_create(
        agency=jail.agency,
        name="TabletCo",
        actor=SYSTEM,
        kind=ApiClient.Kind.TABLET_VENDOR,
        facilities=[jail],
    )
    script = (
        shell_block("### A tablet vendor's whole integration")
        .replace("https://kinframe.example.org", live_server.url)
        .replace("TOKEN=kf_...", f"TOKEN={token}")
        .replace("https://tablets.example.com/kinframe/hooks", receiver.url("/kinframe/hooks"))
    )

    result = run(script, tmp_path)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "304\n" in result.stdout  # the revalidation: nothing new
    assert (tmp_path / "photo.jpg").read_bytes()[:2] == b"\xff\xd8"
    assert (tmp_path / "thumb.jpg").read_bytes()[:2] == b"\xff\xd8"
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.url == receiver.url("/kinframe/hooks")
    assert endpoint.secret in result.stdout  # shown once, at registration
    view = PhotoView.objects.get()
    assert (view.photo, view.viewer_inmate, view.user_agent) == (
        photo,
        person,
        "api:TabletCo device:tab-0042",
    )
    asking.refresh_from_db()
    assert asking.status == Connection.Status.APPROVED


def test_the_roster_feed_examples_as_documented(live_server, tmp_path):
    jail = FacilityFactory(code="county-jail")
    FacilityFactory(code="annex", agency=jail.agency)
    _, token = api_client_create(agency=jail.agency, name="JMS", actor=SYSTEM)
    script = (
        shell_block("### Roster feed examples")
        .replace("https://kinframe.example.org", live_server.url)
        .replace("TOKEN=kf_...", f"TOKEN={token}")
    )

    result = run(script, tmp_path)

    assert result.returncode == 0, result.stderr
    ada = Inmate.objects.get(number="A100")
    assert (ada.facility.code, ada.status) == ("annex", Inmate.Status.RELEASED)
    assert '"detail"' not in result.stdout  # no refusal anywhere
