"""Who may open which console page: one table, tested both ways (pretix), plus the trio for each
page (healthchecks): a member with the right role, a member of another facility, a sender, and
someone not signed in."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from django.urls import reverse
from tests.factories import ConnectionFactory, InmateFactory, StaffFactory

from kinframe.connections.models import Connection
from kinframe.facilities.models import StaffMembership

pytestmark = pytest.mark.django_db

REVIEWER, ADMIN, INVESTIGATOR = (
    StaffMembership.Role.REVIEWER,
    StaffMembership.Role.ADMIN,
    StaffMembership.Role.INVESTIGATOR,
)
ALL_ROLES = (REVIEWER, ADMIN, INVESTIGATOR)

# (url name, needs a photo, method, roles that may use it)
PAGES = [
    ("console:review_queue", False, "get", {REVIEWER, ADMIN}),
    ("console:photos", False, "get", {REVIEWER, ADMIN, INVESTIGATOR}),
    ("console:photo_detail", True, "get", {REVIEWER, ADMIN, INVESTIGATOR}),
    ("console:photo_file", True, "get", {REVIEWER, ADMIN, INVESTIGATOR}),
    ("console:settings", False, "get", {ADMIN}),
    ("console:audit", False, "get", {INVESTIGATOR, ADMIN}),
    ("console:photo_approve", True, "post", {REVIEWER, ADMIN}),
    ("console:photo_reject", True, "post", {REVIEWER, ADMIN}),
    ("console:settings", False, "post", {ADMIN}),
    ("console:reason_add", False, "post", {ADMIN}),
    ("console:reason_edit", False, "post", {ADMIN}),
    ("console:connections", False, "get", {REVIEWER, ADMIN}),
    ("console:connection_approve", False, "post", {REVIEWER, ADMIN}),
    ("console:connection_decline", False, "post", {REVIEWER, ADMIN}),
]


def url_for(name: str, facility, photo) -> str:
    kwargs = {"code": facility.code}
    if name in {"console:photo_detail", "console:photo_approve", "console:photo_reject"}:
        kwargs["public_id"] = photo.public_id
    if name == "console:photo_file":
        kwargs.update(public_id=photo.public_id, variant="thumbnail")
    if name == "console:reason_edit":
        kwargs["reason_id"] = facility.rejection_reasons.get().pk
    if name in {"console:connection_approve", "console:connection_decline"}:
        request = ConnectionFactory(
            inmate=InmateFactory(facility=facility), status=Connection.Status.REQUESTED
        )
        kwargs["connection_id"] = request.pk
    return reverse(name, kwargs=kwargs)


def staff_client(client, facility, role):
    client.force_login(StaffFactory(facility=facility, facility__role=role))
    return client


@pytest.mark.parametrize(("name", "_needs_photo", "method", "roles"), PAGES)
@pytest.mark.parametrize("role", ALL_ROLES)
def test_each_role_gets_exactly_the_pages_it_needs(
    client, facility, photo, name, _needs_photo, method, roles, role
):
    url = url_for(name, facility, photo)
    response = getattr(staff_client(client, facility, role), method)(url)
    if role in roles:
        # Allowed: a GET page opens; an empty POST is refused as bad input, never as "not found".
        assert response.status_code in ({200} if method == "get" else {200, 302, 400})
    else:
        assert response.status_code == 404


@pytest.mark.parametrize(("name", "_needs_photo", "method", "roles"), PAGES)
def test_staff_of_another_facility_get_404_everywhere(
    client, facility, photo, other_staff, name, _needs_photo, method, roles
):
    client.force_login(other_staff)
    response = getattr(client, method)(url_for(name, facility, photo))
    assert response.status_code == 404
    photo.refresh_from_db()
    assert photo.status == "pending_review"


@pytest.mark.parametrize(("name", "_needs_photo", "method", "roles"), PAGES)
def test_a_sender_gets_404_everywhere(client, facility, photo, name, _needs_photo, method, roles):
    client.force_login(photo.sender)
    response = getattr(client, method)(url_for(name, facility, photo))
    assert response.status_code == 404


@pytest.mark.parametrize(("name", "_needs_photo", "method", "roles"), PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(
    client, facility, photo, name, _needs_photo, method, roles
):
    url = url_for(name, facility, photo)
    response = getattr(client, method)(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert "next=" in response["Location"]


@pytest.mark.parametrize(("name", "_needs_photo", "method", "roles"), PAGES)
def test_an_operator_may_open_every_facility(
    client, facility, photo, operator, name, _needs_photo, method, roles
):
    client.force_login(operator)
    response = getattr(client, method)(url_for(name, facility, photo))
    assert response.status_code in ({200} if method == "get" else {200, 302, 400})


def test_console_home_trio(client, facility, reviewer, outsider):
    url = reverse("console:home")
    assert client.get(url)["Location"].startswith(reverse("account_login"))
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    client.force_login(reviewer)
    assert client.get(url).status_code == 200


def test_an_unknown_facility_code_is_404_even_for_staff(client, reviewer):
    client.force_login(reviewer)
    assert client.get(reverse("console:photos", args=["no-such-place"])).status_code == 404


def test_a_photo_of_another_facility_is_404_under_this_facilitys_code(
    client, facility, reviewer, other_photo
):
    client.force_login(reviewer)
    for name in ("console:photo_detail", "console:photo_file", "console:photo_approve"):
        url = url_for(name, facility, other_photo)
        response = client.post(url) if name.endswith("approve") else client.get(url)
        assert response.status_code == 404
    other_photo.refresh_from_db()
    assert other_photo.status == "pending_review"


def test_staff_without_a_second_factor_are_told_to_ask_for_a_link(client, settings, reviewer):
    settings.CONSOLE_REQUIRE_MFA = True
    client.force_login(reviewer)
    response = client.get(reverse("console:home"), follow=False)
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_enrolment_required")
    Authenticator.objects.create(user=reviewer, type=Authenticator.Type.TOTP, data={})
    assert client.get(reverse("console:home")).status_code == 200


def test_the_second_factor_is_not_asked_for_when_switched_off(client, settings, reviewer):
    settings.CONSOLE_REQUIRE_MFA = False
    client.force_login(reviewer)
    assert client.get(reverse("console:home")).status_code == 200
