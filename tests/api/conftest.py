"""An agency with two facilities, its roster feed and a tablet vendor, and a webhook receiver."""

import pytest
from tests.actors import SYSTEM
from tests.api.helpers import Feed
from tests.api.vendor_helpers import Receiver, Tablet
from tests.factories import (
    AgencyFactory,
    ConnectionFactory,
    FacilityFactory,
    InmateFactory,
    UserFactory,
)

from kinframe.api.models import ApiClient
from kinframe.api.services import api_client_create


@pytest.fixture(autouse=True)
def fresh_throttle_counts():
    from django.core.cache import cache

    cache.clear()


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


@pytest.fixture
def vendor(db, agency, jail):
    """A tablet vendor's client serving only the county jail, with the usual vendor scopes."""
    return api_client_create(
        agency=agency,
        name="TabletCo",
        actor=SYSTEM,
        kind=ApiClient.Kind.TABLET_VENDOR,
        facilities=[jail],
    )


@pytest.fixture
def tablet(client, vendor):
    return Tablet(client, vendor[1])


@pytest.fixture
def person(jail):
    return InmateFactory(facility=jail, number="A100", first_name="Ada", last_name="Lovelace")


@pytest.fixture
def family(person):
    """An approved connection from a sender to the person."""
    return ConnectionFactory(
        inmate=person, sender=UserFactory(first_name="Grace", last_name="Hopper"),
        relationship="aunt",
    )  # fmt: skip


@pytest.fixture
def receiver():
    receiver = Receiver()
    yield receiver
    receiver.close()
