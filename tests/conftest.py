"""Fixtures shared by every tier: users in each role, businesses, and a plain-HTTP client."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group

from core import roles
from tests.factories import BusinessFactory, UserFactory


@pytest.fixture(autouse=True)
def _plain_http(settings):
    # Production settings redirect to HTTPS; the test client speaks plain HTTP.
    settings.SECURE_SSL_REDIRECT = False
    # Argon2 is the production hasher; tests hash many demo passwords and need not be slow.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # The admin's two-factor step has its own tests (tests/unit/portal/test_two_factor.py,
    # which switch it on); elsewhere admin pages are tested with a plain force_login.
    settings.ADMIN_2FA = False


@pytest.fixture(autouse=True)
def _default_language():
    # Each test starts in the site's language, as a fresh process does: Django's LocaleMiddleware
    # activates a request's language in the thread and leaves it there, so a test whose client
    # asked for English ran the next test's commands and texts in English.
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _no_process_caches():
    # Each test starts as a fresh process would: no API key or support programme read yet (the
    # database rolls back between tests without the saves that clear the caches).
    from businesses.partners import api_key_cache_clear
    from businesses.programmes import programmes_cache_clear

    api_key_cache_clear()
    programmes_cache_clear()


@pytest.fixture(autouse=True)
def _no_worker_check(settings):
    # Most tests queue work with no worker running (they run tasks themselves, or only check
    # what was queued); the "no worker alive" refusal has its own tests, which switch it on
    # (tests/unit/core/test_no_worker.py, tests/integration/test_no_worker.py).
    settings.WORKER_ABSENT_SECONDS = 0


def _user_with_role(role: str, **kwargs):
    user = UserFactory(**kwargs)
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def advisor(db):
    return _user_with_role(roles.ADVISOR, username="asesora")


@pytest.fixture
def other_advisor(db):
    return _user_with_role(roles.ADVISOR, username="otro.asesor")


@pytest.fixture
def supervisor(db):
    from businesses.models import SupervisedRegion

    user = _user_with_role(roles.SUPERVISOR, username="coordinadora")
    SupervisedRegion.objects.create(user=user, region_id="15")
    return user


@pytest.fixture
def steward(db):
    return _user_with_role(roles.STEWARD, username="gestor", is_staff=True)


@pytest.fixture
def analyst(db):
    return _user_with_role(roles.ANALYST, username="analista")


@pytest.fixture
def partner(db):
    return _user_with_role(roles.PARTNER, username="aliado")


@pytest.fixture
def business(db, advisor):
    """A Lima business assigned to ``advisor``, with a year of records."""
    from tests.factories import MonthlyRecordFactory

    b = BusinessFactory(advisor=advisor, region_id="15", ubigeo="150101")
    for month in range(1, 13):
        MonthlyRecordFactory(business=b, period=dt.date(2024, month, 1))
    return b
