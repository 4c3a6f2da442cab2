"""Shared fixtures: users per role, API clients, and isolation of cache and Celery mode."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from rest_framework.test import APIClient

from clusterplatform.accounts.roles import EVENT_ORGANISER, PROGRAMME_OFFICER, STAFF
from clusterplatform.celery import app as celery_app

from .factories import OrganisationFactory, UserFactory


@pytest.fixture(autouse=True)
def _isolation():
    """Throttle counters and axes lockouts live in the cache: each test starts clean.

    Tasks run eagerly in tests unless a test starts a real worker (see test_worker.py).
    """
    cache.clear()
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = eager
    cache.clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Factories hash a password per user; the production hasher would make that most of a
    test's time (as pretix's and Django's own test settings do)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _user_in(group: str | None = None, **kwargs):
    user = UserFactory(**kwargs)
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def staff_user(db):
    return _user_in(STAFF)


@pytest.fixture
def officer(db):
    return _user_in(PROGRAMME_OFFICER)


@pytest.fixture
def organiser(db):
    return _user_in(EVENT_ORGANISER)


@pytest.fixture
def cluster(db):
    return OrganisationFactory(kind="cluster", status="published")


@pytest.fixture
def manager(cluster):
    """A user who manages ``cluster``."""
    return OrganisationFactory.add_person(cluster, role="manager")


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def manager_client(manager):
    client = APIClient()
    client.force_authenticate(manager)
    return client
