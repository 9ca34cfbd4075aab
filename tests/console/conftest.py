"""Console fixtures: staff in each role, a second facility, and photos waiting for review."""

from __future__ import annotations

import pytest
from tests.factories import (
    ConnectionFactory,
    FacilityFactory,
    InmateFactory,
    PhotoFactory,
    StaffFactory,
    UserFactory,
)

from kinframe.facilities.models import StaffMembership


@pytest.fixture
def facility_admin(facility):
    return StaffFactory(facility=facility, facility__role=StaffMembership.Role.ADMIN)


@pytest.fixture
def investigator(facility):
    return StaffFactory(facility=facility, facility__role=StaffMembership.Role.INVESTIGATOR)


@pytest.fixture
def other_facility(db):
    return FacilityFactory()


@pytest.fixture
def other_staff(other_facility):
    """A facility admin of another facility: may see nothing of ``facility``."""
    return StaffFactory(facility=other_facility, facility__role=StaffMembership.Role.ADMIN)


@pytest.fixture
def operator(db):
    return UserFactory(username="operator", is_superuser=True, is_staff=True)


@pytest.fixture
def photo(connection_):
    """One photo waiting for review; its sender had 500 credits and now has 400."""
    return PhotoFactory(connection=connection_, credits=500)


@pytest.fixture
def other_photo(other_facility):
    """A photo waiting for review at the other facility."""
    connection = ConnectionFactory(inmate=InmateFactory(facility=other_facility))
    return PhotoFactory(connection=connection, credits=500)
