"""schemathesis against /api/v1/schema/, in-process through the WSGI app (no server): for every
operation a bounded, derandomised (fixed-seed) set of generated requests, once with a partner's
API key and once with an advisor's session. Every response must be no 5xx and conform to the
schema (status code, content type, headers, body), and an operation that needs credentials
must refuse the request without them (``ignored_auth``)."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import CHECKS
from schemathesis.generation import GenerationMode

from tests.unit.api.conftest import session_client

MAX_EXAMPLES = 25
CHECK_NAMES = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "ignored_auth",
)


def _checks():
    return [CHECKS.get_one(name) for name in CHECK_NAMES]


@pytest.fixture
def fuzz_settings(settings):
    # Generous limits: the fuzzer sends many requests and many bad keys from one address.
    settings.API_KEY_FAILURE_LIMIT = 10**6
    from rest_framework.settings import api_settings
    from rest_framework.throttling import SimpleRateThrottle

    rates = {"api_key": "100000/min", "user": "100000/min", "bulk": "100000/min"}
    SimpleRateThrottle.THROTTLE_RATES = rates
    # The WSGI handler closes the connection after each request; the test's transaction lives
    # on it (Django's test client disconnects the same signal for the same reason).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)
    SimpleRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES


def _fuzz(
    *,
    headers: dict,
    modes=(GenerationMode.POSITIVE, GenerationMode.NEGATIVE),
    own_ruc: str | None = None,
) -> int:
    """Run the checks on every operation in each generation mode; with ``own_ruc``, operations
    on one business also get a positive run on that RUC (in scope), so that their success
    answers are checked too, not only 404s. Returns the number of cases sent."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", get_wsgi_application())
    cases = 0
    checks = _checks()
    for result in schema.get_all_operations():
        operation = result.ok()
        runs = [(mode, None) for mode in modes]
        if own_ruc and "{ruc}" in operation.path:
            runs.append((GenerationMode.POSITIVE, {"ruc": own_ruc}))
        for mode, path_parameters in runs:

            @settings(
                max_examples=MAX_EXAMPLES,
                derandomize=True,
                database=None,
                deadline=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(
                case=operation.as_strategy(generation_mode=mode, path_parameters=path_parameters)
            )
            def run(case):
                nonlocal cases
                cases += 1
                cache.clear()
                # identity: schemathesis's WSGI transport does not undo the site's gzip
                case.call_and_validate(
                    headers={"Accept-Encoding": "identity", **headers}, checks=checks
                )

            run()
    return cases


@pytest.mark.slow
def test_fuzz_with_a_partner_key(partner_a, world, fuzz_settings, capsys):
    cases = _fuzz(
        headers={"Authorization": f"Api-Key {partner_a.key}"}, own_ruc=world.of_partner_a.ruc
    )
    with capsys.disabled():
        print(f"\nschemathesis (partner key): {cases} cases")
    assert cases >= 6 * MAX_EXAMPLES


@pytest.mark.slow
def test_fuzz_with_an_advisor_session(advisor, world, fuzz_settings, capsys):
    client = session_client(advisor)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    cases = _fuzz(
        headers={"Cookie": cookie}, modes=(GenerationMode.POSITIVE,), own_ruc=world.of_advisor.ruc
    )
    with capsys.disabled():
        print(f"\nschemathesis (advisor session): {cases} cases")
    assert cases >= 6 * MAX_EXAMPLES // 2
