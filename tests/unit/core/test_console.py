"""``make run``'s console speaks the project's language once the site is up: the development
server's request lines (on the Lima clock, without Django's extra English "Not Found: /x") and
the Celery worker's shutdown lines."""

import datetime as dt
import io
import logging
import signal
from unittest import mock

import pytest
from celery.worker import state
from django.utils import translation

from config.celery import app as celery_app
from core.console import (
    ConsoleWorker,
    RequestLogFilter,
    ServerLineFormatter,
    install_server_console,
    install_worker_shutdown_lines,
)

INSTANT = dt.datetime(2026, 12, 7, 15, 4, 9, tzinfo=dt.UTC)  # 10:04:09 in Lima


def _server_record(level, msg, args, **extra):
    record = logging.LogRecord("django.server", level, __file__, 1, msg, args, None)
    record.created = INSTANT.timestamp()
    record.__dict__.update(extra)
    return record


def _request_line(status="404", size="1095"):
    return _server_record(
        logging.WARNING, '"%s" %s %s', ("GET /nope HTTP/1.1", status, size), status_code=404
    )


def test_a_request_line_is_in_spanish_on_the_lima_clock():
    line = ServerLineFormatter().format(_request_line())
    assert line == "[07/12/2026 10:04:09] GET /nope HTTP/1.1 → 404 no encontrada, 1095 bytes"
    ok = _server_record(logging.INFO, '"%s" %s %s', ("GET / HTTP/1.1", "200", "5123"))
    assert ServerLineFormatter().format(ok).endswith("GET / HTTP/1.1 → 200 servida, 5123 bytes")
    redirect = _server_record(logging.INFO, '"%s" %s %s', ("GET / HTTP/1.1", "302", "-"))
    assert ServerLineFormatter().format(redirect).endswith("→ 302 redirigida")  # no size known


def test_the_line_follows_the_project_language_not_the_visitor_one(settings):
    # the line is written in the request's thread, where the visitor's language is active
    with translation.override("en"):
        assert "no encontrada" in ServerLineFormatter().format(_request_line())
    settings.LANGUAGE_CODE = "en"
    with translation.override("es"):
        line = ServerLineFormatter().format(_request_line())
    assert line == "[07/12/2026 10:04:09] GET /nope HTTP/1.1 → 404 not found, 1095 bytes"


def test_the_server_other_lines_are_ours_as_well():
    pipe = _server_record(logging.INFO, "- Broken pipe from %s", (("127.0.0.1", 5555),))
    assert ServerLineFormatter().format(pipe) == (
        "[07/12/2026 10:04:09] El navegador en ('127.0.0.1', 5555) cerró la conexión antes de "
        "tiempo."
    )
    https = _server_record(
        logging.ERROR,
        "You're accessing the development server over HTTPS, but it only supports HTTP.",
        (),
    )
    assert "solo habla http://" in ServerLineFormatter().format(https)


def _request_record(status):
    record = logging.LogRecord(
        "django.request", logging.WARNING, __file__, 1, "%s: %s", ("Not Found", "/nope"), None
    )
    record.status_code = status
    record.request = mock.Mock(path="/nope")
    return record


def test_django_own_line_for_a_refused_request_is_dropped_a_server_error_kept_in_words():
    flt = RequestLogFilter()
    assert flt.filter(_request_record(404)) is False
    assert flt.filter(_request_record(403)) is False
    error = _request_record(500)
    assert flt.filter(error) is True
    assert error.getMessage() == "Error del servidor en /nope; siguen los detalles."
    other = logging.LogRecord("axes", logging.WARNING, __file__, 1, "locked out", (), None)
    assert flt.filter(other) is True and other.getMessage() == "locked out"


def test_run_server_console_prints_the_spanish_line():
    logger = logging.getLogger("django.server")
    handlers = [h for h in logger.handlers if type(h) is logging.StreamHandler]
    assert handlers, "Django's django.server handler is configured"
    saved = [(h, h.formatter, h.stream) for h in handlers]
    root_filters = [list(h.filters) for h in logging.getLogger().handlers]
    out = io.StringIO()
    try:
        install_server_console()
        for h in handlers:
            h.setStream(out)
        logger.warning(
            '"%s" %s %s', "GET /nope HTTP/1.1", "404", "1095", extra={"status_code": 404}
        )
    finally:
        for h, formatter, stream in saved:
            h.setFormatter(formatter)
            h.setStream(stream)
        for h, filters in zip(logging.getLogger().handlers, root_filters, strict=True):
            h.filters[:] = filters
    assert "GET /nope HTTP/1.1 → 404 no encontrada, 1095 bytes" in out.getvalue()
    assert '"GET /nope HTTP/1.1" 404' not in out.getvalue()


def test_the_worker_program_is_ours():
    assert issubclass(celery_app.Worker, ConsoleWorker)


@pytest.fixture
def signal_handlers():
    """The process's signal handlers and Celery's shutdown state, restored after the test."""
    sigs = (signal.SIGTERM, signal.SIGQUIT, signal.SIGINT)
    saved = {s: signal.getsignal(s) for s in sigs}
    flags = (state.should_stop, state.should_terminate)
    yield
    for s, handler in saved.items():
        signal.signal(s, handler)
    state.should_stop, state.should_terminate = flags


def test_the_worker_says_its_warm_shutdown_in_spanish(signal_handlers, capfd):
    worker = mock.Mock(hostname="asesor@test")
    install_worker_shutdown_lines(worker)
    signal.getsignal(signal.SIGTERM)(signal.SIGTERM, None)
    out = capfd.readouterr().out
    assert "Worker: se detiene cuando terminen las tareas en curso (parada ordenada)" in out
    assert "Warm shutdown" not in out
    assert state.should_stop == 0  # Celery's handler still did its work: the worker stops


def test_the_worker_says_its_cold_shutdown_in_spanish(signal_handlers, capfd):
    worker = mock.Mock(hostname="asesor@test")
    install_worker_shutdown_lines(worker)
    signal.getsignal(signal.SIGQUIT)(signal.SIGQUIT, None)
    out = capfd.readouterr().out
    assert "Worker: se detiene ya (parada inmediata)" in out
    assert "Cold shutdown" not in out and "Ctrl+C" not in out
    # Celery's cold shutdown ran: the tasks under way were cancelled, the pool stopped
    worker.consumer.cancel_active_requests.assert_called()
    worker.consumer.pool.stop.assert_called_once()
    assert state.should_terminate


def test_run_server_installs_its_console_once_the_wsgi_application_is_loaded():
    # loading the WSGI application runs django.setup(), which configures logging anew: the
    # console is ours only if it is installed after that
    from businesses.management.commands.run_server import Command

    server, root = logging.getLogger("django.server"), logging.getLogger()
    reloader = logging.getLogger("django.utils.autoreload")
    saved = (list(server.handlers), list(root.handlers), root.level, reloader.level)
    try:
        Command().get_handler(use_static_handler=False, insecure_serving=False)
        assert logging.getLogger("django.utils.autoreload").getEffectiveLevel() == logging.WARNING
        consoles = [h for h in server.handlers if type(h) is logging.StreamHandler]
        assert consoles and all(isinstance(h.formatter, ServerLineFormatter) for h in consoles)
        assert any(
            isinstance(f, RequestLogFilter)
            for h in root.handlers
            if type(h) is logging.StreamHandler
            for f in h.filters
        )
    finally:
        server.handlers[:], root.handlers[:] = saved[0], saved[1]
        root.setLevel(saved[2])
        reloader.setLevel(saved[3])
