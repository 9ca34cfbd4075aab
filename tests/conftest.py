"""Shared fixtures: private storage in a temporary folder, and the people every test needs."""

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import translation

from tests.factories import (
    AgencyFactory,
    ConnectionFactory,
    FacilityFactory,
    InmateFactory,
    StaffFactory,
    UserFactory,
)


@pytest.fixture(autouse=True)
def private_storage(settings, tmp_path):
    """Each test writes photos to its own private folder."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "private", "base_url": None},
        },
    }
    return tmp_path / "private"


@pytest.fixture(autouse=True)
def fresh_cache():
    """Kiosk PIN failures and allauth's rate limits live in the cache; each test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def english_between_tests():
    """A request in Spanish leaves Spanish active in this thread (LocaleMiddleware activates, never
    deactivates); the next test must start in the default language, as a new request would."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def on_postgres():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: set DATABASE_URL=postgres://... (`.ci/run` does)")


@pytest.fixture
def facility(db):
    return FacilityFactory()


@pytest.fixture
def inmate(facility):
    return InmateFactory(facility=facility)


@pytest.fixture
def sender(db):
    return UserFactory()


@pytest.fixture
def connection_(sender, inmate):
    """An approved connection between ``sender`` and ``inmate``."""
    return ConnectionFactory(sender=sender, inmate=inmate)


@pytest.fixture
def reviewer(facility):
    return StaffFactory(facility=facility)


@pytest.fixture
def outsider(db):
    """A verified sender with no connection to anybody."""
    return UserFactory(username="outsider")


@pytest.fixture
def agency(db):
    """One agency with two facilities (``jail`` and ``annex``), for moving people between them."""
    return AgencyFactory(slug="county-a")


@pytest.fixture
def jail(agency):
    return FacilityFactory(agency=agency, code="county-jail")


@pytest.fixture
def annex(agency):
    return FacilityFactory(agency=agency, code="annex")
