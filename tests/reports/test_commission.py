"""The facility's commission: a percentage the operator sets in the admin, from 0 to 100."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from kinframe.facilities.models import Facility
from kinframe.reports.services import commission_of
from tests.factories import FacilityFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_operator_sets_the_commission_in_the_admin(client):
    facility = FacilityFactory()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    page = client.get(reverse("admin:facilities_facility_change", args=[facility.pk]))
    assert 'name="commission_percent"' in page.content.decode()


def test_a_commission_outside_0_to_100_is_refused():
    facility = FacilityFactory()
    facility.commission_percent = Decimal("120")
    with pytest.raises(ValidationError):
        facility.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        Facility.objects.filter(pk=facility.pk).update(commission_percent=Decimal("-1"))


@pytest.mark.parametrize(
    ("revenue", "percent", "expected"),
    [(1000, "10", 100), (999, "12.5", 124), (0, "50", 0), (333, "100", 333), (1, "0.01", 0)],
)
def test_commission_is_rounded_down_to_whole_credits(revenue, percent, expected):
    assert commission_of(revenue, Decimal(percent)) == expected
