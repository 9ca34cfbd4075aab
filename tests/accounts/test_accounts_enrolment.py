"""Staff second factor: set up only through a one-time link from a facility admin or an operator."""

from datetime import timedelta

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from tests.accounts.test_accounts_mfa import totp_code
from tests.factories import PASSWORD, FacilityFactory, StaffFactory, UserFactory

from kinframe.accounts.models import EnrolmentLink
from kinframe.audit.models import AuditEvent
from kinframe.facilities.models import StaffMembership

pytestmark = pytest.mark.django_db
ASK = b"Ask your facility admin for an enrolment link"


@pytest.fixture
def facility_admin(facility):
    return StaffFactory(facility=facility, facility__role=StaffMembership.Role.ADMIN)


def sign_in(client: Client, user) -> None:
    response = client.post(reverse("account_login"), {"login": user.username, "password": PASSWORD})
    assert response.status_code == 302


def issue_link(facility, facility_admin, member_user) -> str:
    """What the facility admin does in the console: Staff, then the button on the member's row."""
    admin = Client()
    admin.force_login(facility_admin)
    page = admin.get(reverse("console:staff", args=[facility.code]))
    assert page.status_code == 200
    assert member_user.username.encode() in page.content
    member = StaffMembership.objects.get(user=member_user, facility=facility)
    issued = admin.post(reverse("console:staff_enrolment_link", args=[facility.code, member.pk]))
    assert issued.status_code == 200
    url = issued.context["issued"]["url"]
    assert url.encode() in issued.content
    return url.removeprefix("http://testserver")


def test_password_alone_shows_only_ask_for_a_link(client, settings, reviewer):
    """Finding 7: a staff member without a second factor used to enrol one with the password alone."""
    settings.CONSOLE_REQUIRE_MFA = True
    sign_in(client, reviewer)
    landing = client.get(reverse("console:home"), follow=True)
    assert ASK in landing.content
    for name in ["mfa_index", "mfa_activate_totp", "mfa_add_webauthn", "console:home"]:
        response = client.get(reverse(name))
        assert response.status_code == 302, name
        assert response["Location"] == reverse("mfa_enrolment_required"), name
    assert client.get("/home/")["Location"] == reverse("mfa_enrolment_required")  # nothing else
    assert not Authenticator.objects.filter(user=reviewer).exists()


def test_a_link_from_the_facility_admin_opens_totp_and_webauthn_once(
    client, settings, facility, facility_admin, reviewer
):
    url = issue_link(facility, facility_admin, reviewer)
    settings.CONSOLE_REQUIRE_MFA = True
    sign_in(client, reviewer)
    assert b'data-testid="enrolment-start"' in client.get(url).content  # a click, not the GET
    response = client.post(url)
    assert response["Location"] == reverse("mfa_index")
    index = client.get(reverse("mfa_index")).content
    assert reverse("mfa_activate_totp").encode() in index
    assert reverse("mfa_add_webauthn").encode() in index  # a security key, beside the app

    reauth = client.get(reverse("mfa_activate_totp"))["Location"]
    client.post(reauth, {"password": PASSWORD})
    client.get(reverse("mfa_activate_totp"))
    secret = client.session[SECRET_SESSION_KEY]
    client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert Authenticator.objects.filter(user=reviewer, type=Authenticator.Type.TOTP).exists()
    assert client.get(reverse("console:home")).status_code == 200

    again = Client()
    again.force_login(reviewer)
    reused = again.post(url)
    assert reused.status_code == 400
    assert b"used already" in reused.content
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"account.mfa_enrolment_link_issued", "account.mfa_enrolment_link_used"} <= actions


def test_a_link_expires_after_a_day(client, settings, facility, facility_admin, reviewer):
    url = issue_link(facility, facility_admin, reviewer)
    settings.CONSOLE_REQUIRE_MFA = True
    with time_machine.travel(timezone.now() + timedelta(hours=24, minutes=1)):
        sign_in(client, reviewer)
        response = client.post(url)
    assert response.status_code == 400
    assert b"expired" in response.content
    assert client.get(reverse("mfa_activate_totp"))["Location"] == reverse("mfa_enrolment_required")


def test_a_link_works_only_for_its_own_person(client, facility, facility_admin, reviewer):
    url = issue_link(facility, facility_admin, reviewer)
    colleague = StaffFactory(facility=facility)
    sign_in(client, colleague)
    assert client.post(url).status_code == 400
    assert client.get(reverse("mfa_activate_totp"))["Location"] == reverse("mfa_enrolment_required")
    assert EnrolmentLink.objects.get().used_at is None  # still good for its owner


def test_a_new_link_withdraws_the_last(client, facility, facility_admin, reviewer):
    first = issue_link(facility, facility_admin, reviewer)
    issue_link(facility, facility_admin, reviewer)
    sign_in(client, reviewer)
    assert client.post(first).status_code == 400


def test_only_the_facility_admin_of_that_facility_issues_links(client, facility, reviewer):
    other_admin = StaffFactory(
        facility=FacilityFactory(), facility__role=StaffMembership.Role.ADMIN
    )
    member = StaffMembership.objects.get(user=reviewer)
    url = reverse("console:staff_enrolment_link", args=[facility.code, member.pk])
    for outsider in [reviewer, other_admin]:  # a reviewer here, an admin elsewhere
        client.force_login(outsider)
        assert client.get(reverse("console:staff", args=[facility.code])).status_code == 404
        assert client.post(url).status_code == 404
    assert not EnrolmentLink.objects.exists()


def test_an_operator_issues_links_from_the_admin(client, reviewer):
    operator = UserFactory(username="op", is_staff=True, is_superuser=True)
    client.force_login(operator)
    response = client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "issue_enrolment_links", "_selected_action": [reviewer.pk]},
    )
    assert response.status_code == 200
    assert b"/accounts/2fa/enrol/" in response.content
    assert EnrolmentLink.objects.get().user == reviewer


def test_the_first_operator_gets_a_link_from_the_command_line(capsys):
    UserFactory(username="root", is_staff=True, is_superuser=True)
    call_command("mfa_enrolment_link", "root")
    assert "/accounts/2fa/enrol/" in capsys.readouterr().out
    assert EnrolmentLink.objects.filter(user__username="root").exists()


def test_a_sender_adds_an_authenticator_without_a_link(client, sender):
    client.force_login(sender)
    assert client.get(reverse("mfa_index")).status_code == 200
