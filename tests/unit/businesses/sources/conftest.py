"""Fixtures of the data-source tests: the replay server and the settings that let it be used."""

import pytest

from tests.replay import ReplayServer


@pytest.fixture
def sources_settings(settings):
    """The replay server is plain http on 127.0.0.1: allowed here only."""
    settings.MARKET_SOURCES_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.MARKET_SOURCES_ALLOW_PRIVATE = True
    settings.MARKET_SOURCES_ALLOW_HTTP = True
    settings.MARKET_SOURCES_TIMEOUT = 1
    settings.MARKET_SOURCES_DEADLINE = 5
    settings.MARKET_SOURCES_RETRIES = 0
    return settings


@pytest.fixture
def replay(sources_settings):
    with ReplayServer() as server:
        yield server
