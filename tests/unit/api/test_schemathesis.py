"""schemathesis against /api/v1/schema/, in-process through the WSGI app (no server): for every
operation a bounded, derandomised (fixed-seed) set of generated requests, once with a partner's
API key and once with an advisor's session. Every response must be no 5xx and conform to the
schema (status code, content type, headers, body), and an operation that needs credentials
must refuse the request without them (``ignored_auth``).

The schema says exactly what the API accepts (issue 19, item 6): a request that violates it is
refused with a 4xx (``negative_data_rejection``) and one that satisfies it is not refused as
invalid (``positive_data_acceptance``: no 400). Where acceptance depends on stored data or the
clock, not on the request's shape, the check is left out for that operation, each with its
reason (``NOT_CHECKED``). The generator is taught what the schema states in words: a RUC's check
digit (format ``ruc``)."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import CHECKS
from schemathesis.config import NotAServerErrorConfig
from schemathesis.generation import GenerationMode

from businesses.validators import ruc_check_digit
from tests.unit.api.conftest import session_client

MAX_EXAMPLES = 25
CHECK_NAMES = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "ignored_auth",
    "negative_data_rejection",
    "positive_data_acceptance",
)


# Checks left out for an operation, and why: acceptance there depends on stored data or the
# clock, which no schema can state.
NOT_CHECKED = {
    "POST /api/v1/monthly-records/bulk/": {
        # rows must name businesses in the caller's scope and months already started; rows are
        # read by the file import's lenient parser (1.234,50, mm/yyyy, Spanish words) and with
        # ?partial=true rejected rows are reported in a 200 by design
        "positive_data_acceptance",
        "negative_data_rejection",
    },
    "POST /api/v1/businesses/": {
        # a RUC already registered is refused (stored data, not the request's shape); the
        # founding date must be a real day or month, not in the future (the calendar and the
        # clock, in any of four written forms)
        "positive_data_acceptance",
    },
    "PUT /api/v1/businesses/{ruc}/": {"positive_data_acceptance"},  # the founding date, as above
    "PATCH /api/v1/businesses/{ruc}/": {"positive_data_acceptance"},  # the same
    "POST /api/v1/forecasts/": {
        # the history is read by a vectorised parser (forecast_input_parse) that also refuses
        # months in the future: the clock, not the request's shape
        "positive_data_acceptance",
    },
    "POST /api/v1/forecasts/batch/": {"positive_data_acceptance"},  # the same parser
    "POST /api/v1/prediction-jobs/": {
        # the RUCs must be in the caller's scope (others come back as rejected rows; none left
        # is a 400)
        "positive_data_acceptance",
    },
}


def _checks(operation_label: str = ""):
    skipped = NOT_CHECKED.get(operation_label, set())
    return [CHECKS.get_one(name) for name in CHECK_NAMES if name not in skipped]


# A 503 with Retry-After is a documented answer of this API (no production model, the queue or
# its workers down, the database busy): status_code_conformance holds each operation to
# documenting it; any other 5xx is a server error.
SERVER_ERROR_ALLOWED = NotAServerErrorConfig(expected_statuses=["2xx", "3xx", "4xx", "503"])


def _openapi_schema():
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", get_wsgi_application())
    schema.config.checks.not_a_server_error = SERVER_ERROR_ALLOWED
    return schema


def _ruc(first_ten: str) -> str:
    return first_ten + str(ruc_check_digit(first_ten))


# The generator learns what the schema says in words: the RUC's check digit.
schemathesis.openapi.format(
    "ruc",
    st.builds(
        lambda prefix, rest: _ruc(prefix + rest),
        st.sampled_from(["10", "15", "16", "17", "20"]),
        st.from_regex(r"\A\d{8}\Z"),
    ),
)


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
    schema = _openapi_schema()
    cases = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        checks = _checks(operation.label)
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
                    headers={"Accept-Encoding": "identity", **headers},
                    checks=checks,  # noqa: B023 - run() is called right below, in this loop
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
