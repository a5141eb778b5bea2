"""Shared fixtures: reference data, a small two-town world, and users in each role."""

from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.management import call_command

from communities.models import Role
from tests.factories import AllianceFactory, CommunityFactory, TownFactory, community_type, user_with_role


@pytest.fixture(autouse=True)
def _fast_and_clean(settings, tmp_path):
    # Uploads (photos, pending spreadsheets) go to the test's own folder, never the project's.
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.IMPORT_TEMP_DIR = tmp_path / "media" / "imports-pending"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Tests run over plain HTTP with DEBUG off, as the test client does.
    settings.SECURE_SSL_REDIRECT = False
    # No collectstatic in tests: serve assets from the finders, without a manifest.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the reference fixtures once, as `make run` does."""
    with django_db_blocker.unblock():
        load_reference_data()


REFERENCE_FIXTURES = sorted(
    str(p) for p in (Path(__file__).resolve().parent.parent / "fixtures").glob("*.json")
)


def load_reference_data():
    """The reference data, as `make run` loads it (every file in fixtures/)."""
    call_command("loaddata", *REFERENCE_FIXTURES, verbosity=0)


@pytest.fixture
def reference_data(db):
    """The reference fixtures, reloaded if a transactional test flushed them."""
    from communities.models import CommunityType

    if not CommunityType.objects.exists():
        load_reference_data()


@pytest.fixture
def world(reference_data):
    """Two towns with two communities each, and one user per role.

    home town A: community a1 (worker's own), a2; town B: b1, b2.
    """
    town_a = TownFactory(name="城厢镇", code="320585100")
    town_b = TownFactory(name="沙溪镇", code="320585101")
    a1 = CommunityFactory(town=town_a, name="东苑社区", code="320585100001")
    a2 = CommunityFactory(
        town=town_a, name="南湾社区", code="320585100002", type=community_type("old_street")
    )
    b1 = CommunityFactory(
        town=town_b, name="北泾村", code="320585101201", type=community_type("traditional_village")
    )
    b2 = CommunityFactory(
        town=town_b, name="西浜村", code="320585101202", type=community_type("distinctive_village")
    )
    for c in (a1, a2, b1, b2):
        AllianceFactory.create_batch(4, community=c)
    users = {
        "city_admin": user_with_role(Role.CITY_ADMIN, username="admin1"),
        "viewer": user_with_role(Role.VIEWER, username="viewer1"),
        "town_staff": user_with_role(Role.TOWN_STAFF, town=town_a, username="staff_a"),
        "community_worker": user_with_role(Role.COMMUNITY_WORKER, community=a1, username="worker_a1"),
    }

    class World:
        pass

    w = World()
    w.town_a, w.town_b = town_a, town_b
    w.a1, w.a2, w.b1, w.b2 = a1, a2, b1, b2
    w.users = users
    return w


@pytest.fixture
def client_as(client):
    """Log the test client in as a user: ``client_as(user)``."""

    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture
def api_as():
    """A DRF APIClient authenticated as a user: ``api_as(user)``."""
    from rest_framework.test import APIClient

    def make(user):
        api = APIClient()
        if user is not None:
            api.force_authenticate(user)
        return api

    return make


def pytest_generate_tests(metafunc):
    """Roles for the permission contract's tests (tests/permissions.py)."""
    from tests.permissions import generate_roles

    generate_roles(metafunc)


def pytest_collection_modifyitems(config, items):
    from tests.permissions import drop_unasked

    drop_unasked(config, items)


@pytest.fixture
def postgres_only():
    """Row-level locking (SELECT … FOR UPDATE) is what these tests prove; SQLite
    serialises whole transactions instead."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("row-level locking (SELECT … FOR UPDATE) is tested on PostgreSQL")
