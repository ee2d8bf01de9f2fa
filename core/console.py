"""The lines ``make run`` prints while it serves, in the project's language.

``make run`` speaks the language of ``settings.LANGUAGE_CODE`` (Spanish first) from its first
line; these keep it so once the site is up:

- :class:`ServerLineFormatter`, the development server's request log (``manage.py run_server``):
  ``[07/12/2026 10:05:09] GET /empresas/ HTTP/1.1 → 404 no encontrada, 1234 bytes`` on the Lima
  clock, instead of Django's ``[07/Dec/2026 15:05:09] "GET /empresas/ HTTP/1.1" 404 1234``.
- :class:`RequestLogFilter`, on the same console: Django's own line for a refused request
  ("Not Found: /x", "Forbidden (…): /x") is dropped, the server's line has said it; a server
  error keeps its traceback under a line of ours.
- :func:`install_worker_shutdown_lines`, the Celery worker's: "worker: Warm shutdown
  (MainProcess)" and "worker: Cold shutdown (MainProcess)" become ours.

Always in ``settings.LANGUAGE_CODE``, whatever language the request being logged was served in
(the log line is written in the request's thread, where its language is active).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import sys

from celery.apps import worker as celery_worker
from celery.apps.worker import Worker as CeleryWorker
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from core.templatetags.asesor_format import local_datetime

# the messages Django's development server logs besides a request's line (basehttp.py)
_BROKEN_PIPE = "- Broken pipe from %s"
_HTTPS = "You're accessing the development server over HTTPS"
_BAD_REQUEST = "code %d, message %s"  # http.server's log_error: its messages stay English


def _status_meaning(status: int) -> str:
    """What an HTTP status means to the person at the console, in a word or two."""
    words = {
        304: pgettext("request outcome", "not modified"),
        400: pgettext("request outcome", "malformed"),
        401: pgettext("request outcome", "refused"),
        403: pgettext("request outcome", "refused"),
        404: pgettext("request outcome", "not found"),
        405: pgettext("request outcome", "method not allowed"),
        429: pgettext("request outcome", "too many requests"),
        503: pgettext("request outcome", "unavailable"),
    }
    if status in words:
        return words[status]
    if status < 300:
        return pgettext("request outcome", "served")
    if status < 400:
        return pgettext("request outcome", "redirected")
    if status < 500:
        return pgettext("request outcome", "refused")
    return pgettext("request outcome", "server error")


def _stamp(record: logging.LogRecord) -> str:
    return local_datetime(dt.datetime.fromtimestamp(record.created, tz=dt.UTC), seconds=True)


class ServerLineFormatter(logging.Formatter):
    """The development server's log line in the project's language, on the local clock."""

    def format(self, record: logging.LogRecord) -> str:
        with translation.override(settings.LANGUAGE_CODE):
            return self._line(record)

    def _line(self, record: logging.LogRecord) -> str:
        time = _stamp(record)
        args = record.args if isinstance(record.args, tuple) else ()
        if record.msg == '"%s" %s %s' and len(args) == 3:
            request, status, size = (str(a) for a in args)
            try:
                meaning = _status_meaning(int(status))
            except ValueError:
                meaning = ""
            words = {"time": time, "request": request, "status": status, "meaning": meaning}
            if size.isdigit():
                return _("[%(time)s] %(request)s → %(status)s %(meaning)s, %(size)s bytes") % {
                    **words,
                    "size": size,
                }
            return _("[%(time)s] %(request)s → %(status)s %(meaning)s") % words
        if record.msg == _BROKEN_PIPE and len(args) == 1:
            return _("[%(time)s] The browser at %(client)s closed the connection early.") % {
                "time": time,
                "client": args[0],
            }
        if str(record.msg).startswith(_HTTPS):
            return _(
                "[%(time)s] A browser asked for https:// — this development server speaks "
                "plain http:// only."
            ) % {"time": time}
        if record.msg == _BAD_REQUEST and len(args) == 2:
            return _("[%(time)s] Malformed request (%(code)s): %(detail)s") % {
                "time": time,
                "code": args[0],
                "detail": args[1],
            }
        return f"[{time}] {record.getMessage()}"


class RequestLogFilter(logging.Filter):
    """On the development server's console: Django's line for a refused request (status
    below 500) is dropped, as the server's own line says it; a server error keeps its traceback
    under a line of ours."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith("django.request"):
            return True
        status = getattr(record, "status_code", None)
        if status is not None and status < 500:
            return False
        request = getattr(record, "request", None)
        with translation.override(settings.LANGUAGE_CODE):
            record.msg = _("Server error on %(path)s; the details follow.") % {
                "path": getattr(request, "path", "?")
            }
        record.args = ()
        return True


def install_server_console() -> None:
    """Make the development server's console speak the project's language (``run_server``)."""
    for handler in _consoles(logging.getLogger("django.server")):
        handler.setFormatter(ServerLineFormatter())
    request_filter = RequestLogFilter()
    for handler in _consoles(logging.getLogger()):  # django.request reaches the root's console
        if not any(isinstance(f, RequestLogFilter) for f in handler.filters):
            handler.addFilter(request_filter)


def _consoles(logger: logging.Logger) -> list[logging.StreamHandler]:
    """The logger's handlers that write to the console (not to a file)."""
    return [
        h
        for h in logger.handlers
        if type(h) is logging.StreamHandler  # a FileHandler is a StreamHandler subclass
    ]


# --- The Celery worker ----------------------------------------------------------------------


def _say(text: str) -> None:
    """One line on the worker's standard output from a signal handler (an unbuffered write, as
    Celery's own shutdown lines)."""
    with contextlib.suppress(OSError, AttributeError, ValueError):  # no stdout: not essential
        os.write(sys.__stdout__.fileno(), f"{text}\n".encode())


def warm_shutdown_line() -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return _(
            "Worker: stopping once the tasks under way finish (warm shutdown); new tasks wait in "
            "the queue."
        )


def cold_shutdown_line() -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return _(
            "Worker: stopping now (cold shutdown); a task cut short is queued again and runs on "
            "the next start."
        )


def install_worker_shutdown_lines(worker) -> None:
    """Celery's handlers for SIGTERM (warm shutdown) and SIGQUIT (cold), as Celery installs
    them, with our line instead of its English ones ("worker: Warm shutdown (MainProcess)";
    "worker: Cold shutdown (MainProcess)" and "worker: Hitting Ctrl+C again will terminate all
    running tasks!", which does not even apply to ``make run``: its worker runs in a process
    group of its own, out of the terminal's Ctrl-C).

    Celery's own installers are called with their ``verbose`` off and our line as the callback;
    the cold one then runs Celery's (which cancels the tasks and stops the pool) with its
    standard output pointed at the null device for that call only. Nothing of Celery is
    changed, and Ctrl-C in a terminal running a worker by hand keeps Celery's handler."""

    def warm(_worker) -> None:
        _say(warm_shutdown_line())

    def cold(worker) -> None:
        _say(cold_shutdown_line())
        stdout = sys.__stdout__
        with open(os.devnull, "w") as null:
            sys.__stdout__ = null
            try:
                celery_worker.on_cold_shutdown(worker)
            finally:
                sys.__stdout__ = stdout

    if getattr(celery_worker, "REMAP_SIGTERM", None) != "SIGQUIT":  # else SIGTERM is cold
        celery_worker.install_worker_term_handler(worker, callback=warm, verbose=False)
    celery_worker.install_worker_term_hard_handler(worker, callback=cold, verbose=False)


class ConsoleWorker(CeleryWorker):
    """Celery's worker program (``celery -A config worker``), its shutdown lines ours: the
    app's ``Worker`` (config.celery)."""

    def install_platform_tweaks(self, worker):
        super().install_platform_tweaks(worker)
        install_worker_shutdown_lines(worker)
