"""Who may open and act on each console page: one table, tested both ways, over every console URL.

``ACCESS`` names, for each console URL, the roles that may GET it and the roles that may POST to
it (pretix's permission table). The test walks the URL list (like ``test_console_gate``), so a
console URL missing from the table fails here: add a row when you add a page. For each URL, each
role, and each method, a role the table allows must get through (not 404, 405 or a server error);
any other gets 404 (405 if the role may use the page by its other method). Staff of another
facility get 404 everywhere, both under our facility's code and under their own with our objects.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from tests.actors import as_sender, as_staff
from tests.console.test_console_gate import console_patterns
from tests.factories import (
    ConnectionFactory,
    FacilityFactory,
    InmateFactory,
    PhotoFactory,
    StaffFactory,
    UserFactory,
)

from kinframe.connections.models import Connection
from kinframe.devices.services import kiosk_device_enrol
from kinframe.facilities.models import StaffMembership
from kinframe.photos.appeals import appeal_create
from kinframe.photos.services import photo_reject
from kinframe.restrictions.services import block_create, suspension_create, watchlist_entry_add

Role = StaffMembership.Role
REV, ADM, INV = Role.REVIEWER, Role.ADMIN, Role.INVESTIGATOR
NOBODY: tuple = ()

# url name: (roles that may GET, roles that may POST)
ACCESS: dict[str, tuple[tuple, tuple]] = {
    "review": ((REV, ADM), NOBODY),
    "review_queue": ((REV, ADM), NOBODY),
    "review_stack": ((REV, ADM), NOBODY),
    "review_heartbeat": (NOBODY, (REV, ADM)),
    "review_release": (NOBODY, (REV, ADM)),
    "photo_undo": (NOBODY, (REV, ADM)),
    "photos": ((REV, ADM, INV), NOBODY),
    "photo_detail": ((REV, ADM, INV), NOBODY),
    "photo_file": ((REV, ADM, INV), NOBODY),
    "photo_approve": (NOBODY, (REV, ADM)),
    "photo_reject": (NOBODY, (REV, ADM)),
    "settings": ((ADM,), (ADM,)),
    "reason_add": (NOBODY, (ADM,)),
    "reason_edit": (NOBODY, (ADM,)),
    "connections": ((REV, ADM), NOBODY),
    "connection_approve": (NOBODY, (REV, ADM)),
    "connection_decline": (NOBODY, (REV, ADM)),
    "audit": ((ADM, INV), NOBODY),
    "kiosks": ((ADM,), (ADM,)),
    "kiosk_revoke": (NOBODY, (ADM,)),
    "staff": ((ADM,), NOBODY),
    "staff_enrolment_link": (NOBODY, (ADM,)),
    "staff_add": (NOBODY, (ADM,)),
    "staff_role": (NOBODY, (ADM,)),
    "staff_remove": (NOBODY, (ADM,)),
    "blocks": ((ADM, INV), NOBODY),
    "block_new": (NOBODY, (ADM,)),
    "block_end": (NOBODY, (ADM,)),
    "suspension_new": (NOBODY, (ADM,)),
    "suspension_end": (NOBODY, (ADM,)),
    "watchlist": ((ADM, INV), NOBODY),
    "watchlist_add": (NOBODY, (ADM,)),
    "watchlist_remove": (NOBODY, (ADM,)),
    "people": ((ADM,), NOBODY),
    "person_book": (NOBODY, (ADM,)),
    "person": ((ADM,), NOBODY),
    "person_correct": (NOBODY, (ADM,)),
    "person_transfer": (NOBODY, (ADM,)),
    "person_release": (NOBODY, (ADM,)),
    "person_readmit": (NOBODY, (ADM,)),
    "person_reset_pin": (NOBODY, (ADM,)),
    "person_connection_end": (NOBODY, (ADM,)),
    "investigations": ((ADM, INV), NOBODY),
    "investigation_story": ((ADM, INV), NOBODY),
    "investigation_export": (NOBODY, (ADM, INV)),
    "reports": ((ADM, INV), NOBODY),
    "appeals": ((REV, ADM), NOBODY),
    "appeal_decide": (NOBODY, (REV, ADM)),
    "photo_reverse": (NOBODY, (ADM,)),
}
#: Console pages outside any facility (the gate there only asks for staff).
NOT_A_FACILITY_PAGE = {"home"}
#: URLs where an investigator may POST. Investigators read; they decide and change nothing. A case
#: export is a POST (it carries the chosen photos and is audited) but changes no photo.
INVESTIGATOR_WRITES: set[str] = {"investigation_export"}


def _url_names() -> dict[str, str]:
    """name -> route for every console URL."""
    from django.urls import get_resolver

    (console,) = [
        r for r in get_resolver().url_patterns if getattr(r, "namespace", "") == "console"
    ]
    names = {}
    for entry in console.url_patterns:
        names[entry.name] = str(entry.pattern)
    return names


URLS = _url_names()
FACILITY_URLS = sorted(set(URLS) - NOT_A_FACILITY_PAGE)


def test_every_console_url_is_in_the_table():
    assert len(URLS) == len(console_patterns())  # a flat list: every route has a name
    missing = sorted(set(FACILITY_URLS) - set(ACCESS))
    assert not missing, (
        f"Add these console URLs to ACCESS with the roles that may use them: {missing}"
    )
    assert not set(ACCESS) - set(URLS), "ACCESS names a URL that no longer exists"


def test_investigators_change_nothing_and_reviewers_no_settings_staff_or_blocks():
    for name, (_, post) in ACCESS.items():
        if name not in INVESTIGATOR_WRITES:
            assert INV not in post, name
    reviewer_may_post = {name for name, (_, post) in ACCESS.items() if REV in post}
    assert reviewer_may_post <= {
        "review_heartbeat",  # holding photos on screen
        "review_release",
        "photo_approve",
        "photo_reject",
        "photo_undo",
        "appeal_decide",
        "connection_approve",
        "connection_decline",
    }


class World:
    """One facility with one of everything a console URL can name, plus an admin elsewhere."""

    def __init__(self):
        self.facility = FacilityFactory()
        self.sister = FacilityFactory(agency=self.facility.agency)
        self.staff = {
            role: StaffFactory(facility=self.facility, facility__role=role)
            for role in (REV, ADM, INV)
        }
        self.colleague = StaffFactory(facility=self.facility)
        self.member_id = StaffMembership.objects.get(user=self.colleague).pk
        self.person = InmateFactory(facility=self.facility)
        self.photo = PhotoFactory(connection=ConnectionFactory(inmate=self.person), credits=500)
        self.request = ConnectionFactory(inmate=self.person, status=Connection.Status.REQUESTED)
        admin = as_staff(self.staff[ADM], self.facility)
        sender = UserFactory()
        self.block = block_create(
            actor=admin, facility=self.facility, sender=sender, scope="facility", reason="r"
        )
        self.suspension = suspension_create(
            actor=admin, inmate=InmateFactory(facility=self.facility), reason="r",
            ends_at=timezone.now() + timedelta(days=3),
        )  # fmt: skip
        self.entry = watchlist_entry_add(actor=admin, facility=self.facility, email="w@example.org")
        self.device, _ = kiosk_device_enrol(actor=admin, facility=self.facility, name="Day room")
        rejected = PhotoFactory(connection=ConnectionFactory(inmate=self.person), credits=500)
        photo_reject(photo=rejected, actor=admin, reason=self.facility.rejection_reasons.first())
        self.appeal = appeal_create(actor=as_sender(rejected.sender), photo=rejected, note="n")
        self.outsider = StaffFactory(facility=FacilityFactory(), facility__role=ADM)

    def kwargs(self, route: str, code: str) -> dict:
        values = {
            "code": code,
            "public_id": self.photo.public_id,
            "variant": "thumbnail",
            "reason_id": self.facility.rejection_reasons.first().pk,
            "connection_id": self.request.pk,
            "device_id": self.device.pk,
            "member_id": self.member_id,
            "block_id": self.block.pk,
            "suspension_id": self.suspension.pk,
            "entry_id": self.entry.pk,
            "inmate_id": self.person.pk,
            "appeal_id": self.appeal.pk,
        }
        names = re.findall(r"<(?:\w+:)?(\w+)>", route)
        unknown = [name for name in names if name not in values]
        assert not unknown, f"Give World.kwargs a value for {unknown} (in {route})"
        return {name: values[name] for name in names}


def _call(client, method: str, url: str):
    return client.get(url) if method == "GET" else client.post(url, {})


@pytest.mark.parametrize("name", FACILITY_URLS)
def test_each_role_may_do_exactly_what_the_table_says(name, client, db):
    if name not in ACCESS:
        pytest.fail(f"{name} is not in ACCESS")
    world = World()
    route = URLS[name]
    url = reverse(f"console:{name}", kwargs=world.kwargs(route, world.facility.code))
    get_roles, post_roles = ACCESS[name]
    for role in (INV, REV, ADM):  # the writer last: refused roles see the objects unchanged
        client.force_login(world.staff[role])
        for method, allowed in (("GET", get_roles), ("POST", post_roles)):
            status = _call(client, method, url).status_code
            if role in allowed:
                assert status not in (404, 405), (role, method, status)
                assert status < 500, (role, method, status)
            elif role in get_roles or role in post_roles:
                assert status in (404, 405), (role, method, status)
            else:
                assert status == 404, (role, method, status)

    # Staff of another facility: 404 under our code, and under their own code with our objects.
    client.force_login(world.outsider)
    their_code = world.outsider.staff_memberships.get().facility.code
    for code in (world.facility.code, their_code):
        kwargs = world.kwargs(route, code)
        if code == their_code and set(kwargs) == {"code"}:
            continue  # their own facility's list pages are theirs to see
        url = reverse(f"console:{name}", kwargs=kwargs)
        for method, allowed in (("GET", get_roles), ("POST", post_roles)):
            status = _call(client, method, url).status_code
            if code == their_code and not allowed:
                assert status in (404, 405), (code, method, status)  # the method is refused anyway
            else:
                assert status == 404, (code, method, status)
