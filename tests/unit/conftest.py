"""Unit tier: SQLite and the embedded (filesystem) broker; nothing else to run."""

import pytest
from django.conf import settings


@pytest.fixture(scope="session", autouse=True)
def _unit_tier_uses_sqlite():
    engine = settings.DATABASES["default"]["ENGINE"]
    assert engine.endswith("sqlite3"), f"the unit tier runs on SQLite, not {engine}"
