"""Outbound HTTP for data sources, and nothing else: one GET to a host that stewards put on the
allow-list, with the defences a server-side fetch needs (SSRF).

- the URL's scheme is https (plain http only when ``MARKET_SOURCES_ALLOW_HTTP``, for tests);
- its host is on ``MARKET_SOURCES_ALLOWED_HOSTS`` (an exact name, or ``.example.org`` for the
  domain and its subdomains);
- every address the name resolves to must be public: loopback, private, link-local, shared,
  reserved and multicast addresses are refused unless ``MARKET_SOURCES_ALLOW_PRIVATE``
  (tests only). The connection goes to the address that was checked, never to a second lookup
  (DNS rebinding);
- a redirect is followed only to the same host (at most three); anything else is refused;
- a connect/read timeout, an overall deadline and a size limit bound every answer; a body
  shorter than its Content-Length is refused as truncated.

What comes back is bytes (:func:`fetch`) or a file written as the answer streams in, with its
SHA-256 computed on the way (:func:`fetch_to_file`, for answers too large to hold in memory, with
their own size limit and deadline): callers parse it as JSON, a CSV/xlsx or a zip, never
evaluate it.
"""

from __future__ import annotations

import hashlib
import http.client
import ipaddress
import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

USER_AGENT = "AsesorMYPE-market-data/1.0 (+PRODUCE)"
MAX_REDIRECTS = 3
_CHUNK = 64 * 1024


class SourceFetchError(Exception):
    """The answer could not be fetched (or was refused); ``str(error)`` says why, translated.

    ``transient`` errors (no answer in time, a dropped connection, a 5xx, a truncated body) are
    worth retrying; a refusal (allow-list, private address, size) is not.
    """

    def __init__(self, message: str, *, transient: bool = False) -> None:
        super().__init__(message)
        self.transient = transient


@dataclass(frozen=True)
class Fetched:
    url: str
    status: int
    content_type: str
    body: bytes


@dataclass(frozen=True)
class Downloaded:
    """An answer written to ``path``: its size and SHA-256, computed while it streamed in."""

    url: str
    status: int
    content_type: str
    path: Path
    size: int
    sha256: str


def allowed_hosts() -> list[str]:
    return [h.strip().lower() for h in settings.MARKET_SOURCES_ALLOWED_HOSTS if h.strip()]


def host_is_allowed(host: str) -> bool:
    host = (host or "").lower().rstrip(".")
    for entry in allowed_hosts():
        if entry.startswith("."):
            if host == entry[1:] or host.endswith(entry):
                return True
        elif host == entry:
            return True
    return False


def url_check(url: str) -> tuple[str, str, int, str]:
    """Refuse a URL a source may not use; returns (scheme, host, port, path with query)."""
    parts = urlsplit(url or "")
    scheme = parts.scheme.lower()
    if scheme != "https" and not (scheme == "http" and settings.MARKET_SOURCES_ALLOW_HTTP):
        raise SourceFetchError(
            _("Only https:// addresses can be pulled (got “%(url)s”).") % {"url": url[:200]}
        )
    if parts.username or parts.password:
        raise SourceFetchError(_("A source URL may not carry a user name or password."))
    host = (parts.hostname or "").lower()
    if not host:
        raise SourceFetchError(_("“%(url)s” has no host.") % {"url": url[:200]})
    if not host_is_allowed(host):
        raise SourceFetchError(
            _(
                "The host %(host)s is not on the allow-list of data sources "
                "(setting MARKET_SOURCES_ALLOWED_HOSTS): the request was not sent."
            )
            % {"host": host}
        )
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError:
        raise SourceFetchError(_("“%(url)s” has an invalid port.") % {"url": url[:200]}) from None
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return scheme, host, port, path


def _public_address(host: str, port: int) -> str:
    """The first address of ``host`` after checking all of them; refuses non-public ones."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise SourceFetchError(
            _("The host %(host)s could not be resolved (%(error)s).")
            % {"host": host, "error": error}
        ) from None
    addresses = []
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if not address.is_global and not settings.MARKET_SOURCES_ALLOW_PRIVATE:
            raise SourceFetchError(
                _(
                    "The host %(host)s resolves to %(address)s, a private, loopback or reserved "
                    "address: refused."
                )
                % {"host": host, "address": address}
            )
        addresses.append(str(address))
    if not addresses:
        raise SourceFetchError(_("The host %(host)s has no address.") % {"host": host})
    return addresses[0]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to an address that was already checked, whatever the name resolves to now."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        # The certificate is checked against the host name, not the address.
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def fetch(url: str, *, accept: str = "*/*") -> Fetched:
    """GET ``url`` under the rules above; raises :class:`SourceFetchError` with the reason."""
    chunks: list[bytes] = []
    url, response = _get(
        url,
        accept=accept,
        limit=int(settings.MARKET_SOURCES_MAX_BYTES),
        seconds=float(settings.MARKET_SOURCES_DEADLINE),
        consume=chunks.append,
        restart=chunks.clear,
    )
    return Fetched(
        url=url,
        status=response.status,
        content_type=(response.getheader("Content-Type") or "").lower(),
        body=b"".join(chunks),
    )


def fetch_to_file(
    url: str,
    path: Path,
    *,
    max_bytes: int,
    deadline: float,
    accept: str = "*/*",
    progress: Callable[[int], None] | None = None,
) -> Downloaded:
    """GET ``url`` under the same rules as :func:`fetch`, but write the answer to ``path``
    (created or emptied) as it arrives, never holding it in memory, and compute its SHA-256 on
    the way. ``max_bytes`` and ``deadline`` (seconds for the whole answer) replace the settings'
    limits for this one answer; ``progress(bytes so far)`` is told after every chunk. A refused
    or broken answer leaves a partial file behind: the caller removes it."""
    path = Path(path)
    digest = hashlib.sha256()
    size = 0
    with open(path, "wb") as handle:

        def consume(chunk: bytes) -> None:
            nonlocal size
            handle.write(chunk)
            digest.update(chunk)
            size += len(chunk)
            if progress is not None:
                progress(size)

        def restart() -> None:
            nonlocal digest, size
            handle.seek(0)
            handle.truncate()
            digest, size = hashlib.sha256(), 0

        url, response = _get(
            url,
            accept=accept,
            limit=int(max_bytes),
            seconds=float(deadline),
            consume=consume,
            restart=restart,
        )
    return Downloaded(
        url=url,
        status=response.status,
        content_type=(response.getheader("Content-Type") or "").lower(),
        path=path,
        size=size,
        sha256=digest.hexdigest(),
    )


def _get(
    url: str,
    *,
    accept: str,
    limit: int,
    seconds: float,
    consume: Callable[[bytes], None],
    restart: Callable[[], None],
) -> tuple[str, http.client.HTTPResponse]:
    """The one GET of this module: follows same-host redirects, hands each chunk of a 200 answer
    to ``consume``; returns the final URL and the response."""
    timeout = float(settings.MARKET_SOURCES_TIMEOUT)
    deadline = time.monotonic() + seconds
    first_host = None
    for _hop in range(MAX_REDIRECTS + 1):
        if first_host is not None:
            host = (urlsplit(url).hostname or "").lower()
            if host != first_host:
                raise SourceFetchError(
                    _("The source redirected to another host (%(host)s): refused.")
                    % {"host": host or url[:100]}
                )
        scheme, host, port, path = url_check(url)
        first_host = first_host or host
        address = _public_address(host, port)
        cls = _PinnedHTTPSConnection if scheme == "https" else _PinnedHTTPConnection
        connection = cls(host, port, address, timeout)
        try:
            try:
                connection.request(
                    "GET",
                    path,
                    headers={
                        "User-Agent": USER_AGENT,
                        "Accept": accept,
                        "Accept-Encoding": "identity",
                        "Connection": "close",
                    },
                )
                response = connection.getresponse()
                if response.status in (301, 302, 303, 307, 308):
                    location = response.getheader("Location") or ""
                    if not location:
                        raise SourceFetchError(_("The source redirected without a location."))
                    url = urljoin(url, location)
                    continue
                if response.status == 200:
                    restart()
                    _read(
                        response,
                        limit=limit,
                        deadline=deadline,
                        seconds=seconds,
                        consume=consume,
                    )
            except TimeoutError:
                raise SourceFetchError(
                    _("No answer from %(host)s within %(s)s seconds.")
                    % {"host": host, "s": f"{timeout:g}"},
                    transient=True,
                ) from None
            except (OSError, http.client.HTTPException) as error:
                detail = type(error).__name__ + (f": {error}" if str(error) else "")
                raise SourceFetchError(
                    _("The request to %(host)s failed: %(error)s")
                    % {"host": host, "error": detail},
                    transient=True,
                ) from None
        finally:
            connection.close()
        if response.status != 200:
            raise SourceFetchError(
                _("%(host)s answered HTTP %(status)d (%(reason)s).")
                % {"host": host, "status": response.status, "reason": response.reason},
                transient=response.status >= 500 or response.status == 429,
            )
        return url, response
    raise SourceFetchError(_("Too many redirects (more than %(n)d).") % {"n": MAX_REDIRECTS})


def fetch_with_retries(url: str, *, accept: str = "*/*", sleep=time.sleep) -> Fetched:
    """:func:`fetch`, trying a transient failure again ``MARKET_SOURCES_RETRIES`` times with an
    exponential backoff (1 s, 2 s, 4 s…); refusals fail at once."""
    return _with_retries(lambda: fetch(url, accept=accept), sleep=sleep)


def fetch_to_file_with_retries(url: str, path: Path, *, sleep=time.sleep, **options) -> Downloaded:
    """:func:`fetch_to_file` with the retries of :func:`fetch_with_retries` (each attempt
    starts the file afresh)."""
    return _with_retries(lambda: fetch_to_file(url, path, **options), sleep=sleep)


def _with_retries(attempt_once, *, sleep):
    retries = max(0, int(settings.MARKET_SOURCES_RETRIES))
    for attempt in range(retries + 1):
        try:
            return attempt_once()
        except SourceFetchError as error:
            if not error.transient or attempt == retries:
                raise
            sleep(2**attempt)
    raise AssertionError("unreachable")  # pragma: no cover


def _read(
    response: http.client.HTTPResponse,
    *,
    limit: int,
    deadline: float,
    seconds: float,
    consume: Callable[[bytes], None],
) -> int:
    declared = response.getheader("Content-Length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise SourceFetchError(_too_large(limit))
    size = 0
    while True:
        if time.monotonic() > deadline:
            raise SourceFetchError(
                _("The answer took longer than %(s)s seconds: abandoned.") % {"s": f"{seconds:g}"},
                transient=True,
            )
        try:
            chunk = response.read1(_CHUNK) if hasattr(response, "read1") else response.read(_CHUNK)
        except http.client.IncompleteRead:
            raise SourceFetchError(_truncated(), transient=True) from None
        if not chunk:
            break
        size += len(chunk)
        if size > limit:
            raise SourceFetchError(_too_large(limit))
        consume(chunk)
    if declared and declared.isdigit() and size != int(declared):
        raise SourceFetchError(_truncated(), transient=True)
    return size


def _too_large(limit: int) -> str:
    return _("The answer is larger than the %(mb)s MB a source may send: refused.") % {
        "mb": f"{limit / (1024 * 1024):g}"
    }


def _truncated() -> str:
    return _("The answer was cut short (fewer bytes than announced): nothing was used.")
