"""Appeals: once, within 30 days, charged, decided by another reviewer, refunded exactly once."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from tests.actors import as_sender, as_staff
from tests.factories import PhotoFactory, StaffFactory, give_credits

from kinframe.audit.models import AuditEvent
from kinframe.credits.models import LedgerEntry
from kinframe.credits.selectors import balance_of
from kinframe.credits.services import InsufficientCredits
from kinframe.facilities.models import RejectionReason, StaffMembership
from kinframe.photos.appeals import (
    AppealError,
    appeal_create,
    appeal_decide,
    photo_decision_reverse,
)
from kinframe.photos.models import Appeal, Photo
from kinframe.photos.services import photo_reject

pytestmark = pytest.mark.django_db


@pytest.fixture
def rejected(sender, connection_, reviewer):
    """A photo ``reviewer`` rejected: charged 100, refunded 100; the sender holds 300 credits."""
    give_credits(sender, 300)
    photo = PhotoFactory(connection=connection_, charged=True)
    reason = RejectionReason.objects.get(facility=photo.facility, code="policy")
    return photo_reject(photo=photo, actor=as_staff(reviewer), reason=reason)


@pytest.fixture
def second_reviewer(facility):
    return StaffFactory(facility=facility)


def entries(kind) -> list[int]:
    return list(LedgerEntry.objects.filter(kind=kind).values_list("amount", flat=True))


def test_appeal_charges_once_and_a_different_reviewer_upholds_with_one_refund(
    sender, rejected, reviewer, second_reviewer
):
    appeal = appeal_create(actor=as_sender(sender), photo=rejected, note="It is my son, no text.")
    assert balance_of(sender) == 200
    assert entries(LedgerEntry.Kind.APPEAL_CHARGE) == [-100]
    assert LedgerEntry.objects.get(kind="appeal_charge").reference == f"appeal_charge:{appeal.pk}"

    with pytest.raises(AppealError, match="Another reviewer"):
        appeal_decide(actor=as_staff(reviewer), appeal=appeal, grant=True)

    appeal_decide(actor=as_staff(second_reviewer), appeal=appeal, grant=False, note="Still text")
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.UPHELD
    assert appeal.decided_by == second_reviewer
    assert balance_of(sender) == 300
    assert entries(LedgerEntry.Kind.APPEAL_REFUND) == [100]

    # Final: deciding again changes nothing and refunds nothing more.
    with pytest.raises(AppealError, match="final"):
        appeal_decide(actor=as_staff(second_reviewer), appeal=appeal, grant=True)
    assert balance_of(sender) == 300
    assert AuditEvent.objects.filter(action="photo.appeal_upheld").count() == 1


def test_a_granted_appeal_delivers_the_photo_and_keeps_the_charge(
    sender, rejected, second_reviewer
):
    appeal = appeal_create(actor=as_sender(sender), photo=rejected, note="Please look again")
    appeal_decide(actor=as_staff(second_reviewer), appeal=appeal, grant=True)
    rejected.refresh_from_db()
    assert rejected.status == Photo.Status.APPROVED
    assert rejected.reviewed_by == second_reviewer
    assert balance_of(sender) == 200
    assert entries(LedgerEntry.Kind.APPEAL_REFUND) == []


def test_appeal_only_once_only_by_the_sender_only_within_30_days(sender, rejected, outsider):
    with pytest.raises(AppealError, match="Only the sender"):
        appeal_create(actor=as_sender(outsider), photo=rejected, note="mine")
    with pytest.raises(AppealError, match="few words"):
        appeal_create(actor=as_sender(sender), photo=rejected, note="   ")
    with (
        time_machine.travel(timezone.now() + timedelta(days=31)),
        pytest.raises(AppealError, match="30 days"),
    ):
        appeal_create(actor=as_sender(sender), photo=rejected, note="late")
    appeal_create(actor=as_sender(sender), photo=rejected, note="once")
    with pytest.raises(AppealError, match="once"):
        appeal_create(actor=as_sender(sender), photo=rejected, note="twice")
    assert entries(LedgerEntry.Kind.APPEAL_CHARGE) == [-100]


def test_an_appeal_the_sender_cannot_pay_leaves_nothing(sender, rejected):
    give_credits(sender, -300)
    with pytest.raises(InsufficientCredits):
        appeal_create(actor=as_sender(sender), photo=rejected, note="please")
    assert not Appeal.objects.exists()
    assert entries(LedgerEntry.Kind.APPEAL_CHARGE) == []


def test_admin_reverses_a_wrongful_rejection_with_a_reason_in_the_audit(
    sender, rejected, facility, reviewer
):
    admin = StaffFactory(facility=facility, facility__role=StaffMembership.Role.ADMIN)
    with pytest.raises(AppealError, match="facility admin"):
        photo_decision_reverse(actor=as_staff(reviewer), photo=rejected, why="oops")
    appeal = appeal_create(actor=as_sender(sender), photo=rejected, note="again")
    photo_decision_reverse(actor=as_staff(admin), photo=rejected, why="Wrong photo clicked")
    rejected.refresh_from_db()
    appeal.refresh_from_db()
    assert rejected.status == Photo.Status.APPROVED
    assert appeal.status == Appeal.Status.GRANTED
    assert balance_of(sender) == 300  # refund kept, appeal charge refunded
    event = AuditEvent.objects.get(action="photo.decision_reversed")
    assert event.data["why"] == "Wrong photo clicked"
    assert event.data["from"] == "rejected"

    reason = RejectionReason.objects.get(facility=facility, code="policy")
    photo_decision_reverse(actor=as_staff(admin), photo=rejected, why="It was right", reason=reason)
    rejected.refresh_from_db()
    assert rejected.status == Photo.Status.REJECTED
    assert balance_of(sender) == 300  # nothing refunded twice
    assert entries(LedgerEntry.Kind.APPEAL_REFUND) == [100]
    assert entries(LedgerEntry.Kind.PHOTO_REFUND) == [100]


def test_the_history_says_the_price_before_asking_and_asks_once(client, sender, rejected):
    client.force_login(sender)
    html = client.get(reverse("sender:photos")).content.decode()
    assert "Asking costs <strong>100 credits</strong>" in html
    url = reverse("sender:photo_appeal", args=[rejected.public_id])

    client.post(url, {"note": "It is my daughter's drawing"})
    assert balance_of(sender) == 200
    client.post(url, {"note": "again"})
    assert balance_of(sender) == 200
    html = client.get(reverse("sender:photos")).content.decode()
    assert 'data-testid="appeal-state"' in html
    assert "Asking costs" not in html


def test_another_sender_cannot_appeal_my_photo(client, outsider, rejected):
    client.force_login(outsider)
    response = client.post(reverse("sender:photo_appeal", args=[rejected.public_id]), {"note": "x"})
    assert response.status_code == 404
    assert not Appeal.objects.exists()
