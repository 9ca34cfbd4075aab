"""One agency with two facilities, for moving people between them."""

import pytest
from tests.factories import AgencyFactory, FacilityFactory


@pytest.fixture
def agency(db):
    return AgencyFactory(slug="county-a")


@pytest.fixture
def jail(agency):
    return FacilityFactory(agency=agency, code="county-jail")


@pytest.fixture
def annex(agency):
    return FacilityFactory(agency=agency, code="annex")
