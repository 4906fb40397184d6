"""The cast: agent, other_agent, manager, other_manager, customer, stranger."""

import pytest
from django.apps import apps as django_apps
from django.contrib.auth.models import Group

from apps.accounts.roles import AGENTS, MANAGERS, roles_sync
from tests.factories import CustomerFactory, UserFactory


def _with_role(user, role):
    group = Group.objects.filter(name=role).first()
    if group is None:
        # A transactional test that ran before emptied every table, the migrations' roles too.
        roles_sync(django_apps)
        group = Group.objects.get(name=role)
    user.groups.add(group)
    return user


@pytest.fixture
def agent(db):
    return _with_role(UserFactory(username="alice", first_name="Alice"), AGENTS)


@pytest.fixture
def other_agent(db):
    return _with_role(UserFactory(username="bob", first_name="Bob"), AGENTS)


@pytest.fixture
def manager(db):
    return _with_role(UserFactory(username="carol", first_name="Carol"), MANAGERS)


@pytest.fixture
def other_manager(db):
    return _with_role(UserFactory(username="dave", first_name="Dave"), MANAGERS)


@pytest.fixture
def stranger(db):
    """Signed in staff without any role."""
    return UserFactory(username="mallory")


@pytest.fixture
def customer(db):
    return CustomerFactory(name="Kim Minji", email="minji@example.com", language="ko")


def pytest_collection_modifyitems(config, items):
    """Tests marked `postgres` need row locks and real parallel writers: PostgreSQL only."""
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        return
    skip = pytest.mark.skip(
        reason="needs PostgreSQL (row locks, concurrent writers, PostgreSQL-only statements); "
        "set DATABASE_URL to run it"
    )
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)
