"""An agency with two facilities, its API client, and a small client for the roster feed."""

import pytest
from tests.actors import SYSTEM
from tests.api.helpers import Feed
from tests.factories import AgencyFactory, FacilityFactory

from kinframe.api.services import api_client_create


@pytest.fixture(autouse=True)
def fresh_throttle_counts():
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def agency(db):
    return AgencyFactory(slug="county-a")


@pytest.fixture
def jail(agency):
    return FacilityFactory(agency=agency, code="county-jail")


@pytest.fixture
def annex(agency):
    return FacilityFactory(agency=agency, code="annex")


@pytest.fixture
def feed_client(agency):
    """The agency's API client and its token."""
    return api_client_create(agency=agency, name="JMS feed", actor=SYSTEM)


@pytest.fixture
def feed(client, feed_client):
    return Feed(client, feed_client[1])


@pytest.fixture
def other_feed(db, client):
    """Another agency's client, with a facility of its own."""
    other = AgencyFactory(slug="county-b")
    FacilityFactory(agency=other, code="b-jail")
    return Feed(client, api_client_create(agency=other, name="Other JMS", actor=SYSTEM)[1])
