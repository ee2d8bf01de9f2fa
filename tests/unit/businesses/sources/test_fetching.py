"""Outbound requests go only to allow-listed hosts, never to private addresses unless the
setting allows it, never follow a redirect to another host, and are bounded in time and size."""

import socket

import pytest
from django.utils import translation

from businesses.sources.fetching import (
    SourceFetchError,
    fetch,
    fetch_to_file,
    fetch_to_file_with_retries,
    fetch_with_retries,
    host_is_allowed,
)
from tests.replay import Reply


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def test_allowed_host_is_fetched(replay):
    replay.routes["/data"] = Reply(b'{"ok": true}')
    fetched = fetch(replay.url("/data"))
    assert (fetched.status, fetched.body) == (200, b'{"ok": true}')


def test_host_not_on_the_allow_list_is_refused_before_any_request(replay, sources_settings):
    sources_settings.MARKET_SOURCES_ALLOWED_HOSTS = ["estadisticas.bcrp.gob.pe"]
    with pytest.raises(SourceFetchError, match="not on the allow-list"):
        fetch(replay.url("/data"))
    assert replay.requests == []


def test_private_address_is_refused_unless_allowed(replay, sources_settings):
    sources_settings.MARKET_SOURCES_ALLOW_PRIVATE = False
    with pytest.raises(SourceFetchError, match="private, loopback or reserved"):
        fetch(replay.url("/data"))
    assert replay.requests == []


@pytest.mark.parametrize(
    "address", ["10.1.2.3", "192.168.0.10", "169.254.169.254", "100.64.0.1", "::1", "fd00::1"]
)
def test_allowed_name_resolving_to_a_private_address_is_refused(
    sources_settings, monkeypatch, address
):
    """An allow-listed name that resolves inside the network (DNS rebinding, a bad record)."""
    sources_settings.MARKET_SOURCES_ALLOWED_HOSTS = ["datos.example.gob.pe"]
    sources_settings.MARKET_SOURCES_ALLOW_PRIVATE = False
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    monkeypatch.setattr(
        socket, "getaddrinfo", lambda *a, **k: [(family, socket.SOCK_STREAM, 6, "", (address, 443))]
    )
    connected = []
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: connected.append(a))
    with pytest.raises(SourceFetchError, match=address.split("%")[0]):
        fetch("https://datos.example.gob.pe/indicadores.csv")
    assert connected == []


def test_only_https_unless_http_is_allowed(sources_settings):
    sources_settings.MARKET_SOURCES_ALLOW_HTTP = False
    with pytest.raises(SourceFetchError, match="Only https://"):
        fetch("http://127.0.0.1:9/x")
    for url in ["file:///etc/passwd", "ftp://127.0.0.1/x", "gopher://127.0.0.1/"]:
        with pytest.raises(SourceFetchError, match="Only https://"):
            fetch(url)


def test_credentials_in_the_url_are_refused(sources_settings):
    with pytest.raises(SourceFetchError, match="user name or password"):
        fetch("http://user:secret@127.0.0.1/x")


def test_allow_list_matching(sources_settings):
    sources_settings.MARKET_SOURCES_ALLOWED_HOSTS = ["estadisticas.bcrp.gob.pe", ".inei.gob.pe"]
    assert host_is_allowed("estadisticas.bcrp.gob.pe")
    assert host_is_allowed("ESTADISTICAS.BCRP.GOB.PE.")
    assert host_is_allowed("inei.gob.pe") and host_is_allowed("datos.inei.gob.pe")
    assert not host_is_allowed("bcrp.gob.pe")
    assert not host_is_allowed("estadisticas.bcrp.gob.pe.evil.example")
    assert not host_is_allowed("evilinei.gob.pe")


def test_redirect_to_the_same_host_is_followed(replay):
    replay.routes["/old"] = Reply(status=302, headers={"Location": "/new"})
    replay.routes["/new"] = Reply(b"moved here")
    assert fetch(replay.url("/old")).body == b"moved here"


def test_redirect_to_another_host_is_refused_even_if_allow_listed(replay, sources_settings):
    sources_settings.MARKET_SOURCES_ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
    replay.routes["/old"] = Reply(status=301, headers={"Location": "http://localhost:1/x"})
    with pytest.raises(SourceFetchError, match=r"redirected to another host \(localhost\)"):
        fetch(replay.url("/old"))
    assert len(replay.requests) == 1


def test_redirect_loop_stops(replay):
    replay.routes["/loop"] = Reply(status=302, headers={"Location": "/loop"})
    with pytest.raises(SourceFetchError, match="Too many redirects"):
        fetch(replay.url("/loop"))
    assert len(replay.requests) == 4


def test_size_limit_by_header_and_by_body(replay, sources_settings):
    sources_settings.MARKET_SOURCES_MAX_BYTES = 100
    replay.routes["/big"] = Reply(b"x" * 101)
    with pytest.raises(SourceFetchError, match="larger than the"):
        fetch(replay.url("/big"))


def test_truncated_body_is_refused(replay):
    replay.routes["/cut"] = Reply(b"x" * 1000, truncate_to=10)
    with pytest.raises(SourceFetchError, match="cut short"):
        fetch(replay.url("/cut"))


def test_timeout(replay):
    replay.routes["/slow"] = Reply(b"late", delay=2)
    with pytest.raises(SourceFetchError, match=r"No answer from 127\.0\.0\.1 within 1 seconds"):
        fetch(replay.url("/slow"))


def test_transient_errors_are_retried_with_backoff(replay, sources_settings):
    sources_settings.MARKET_SOURCES_RETRIES = 2
    calls = []

    def flaky(path):
        calls.append(path)
        return Reply(b"ok") if len(calls) == 3 else Reply(b"busy", status=503)

    replay.routes["/flaky"] = flaky
    waits = []
    assert fetch_with_retries(replay.url("/flaky"), sleep=waits.append).body == b"ok"
    assert waits == [1, 2]


def test_refusals_are_not_retried(replay, sources_settings):
    sources_settings.MARKET_SOURCES_RETRIES = 3
    replay.routes["/missing"] = Reply(b"no", status=404)
    waits = []
    with pytest.raises(SourceFetchError, match="HTTP 404"):
        fetch_with_retries(replay.url("/missing"), sleep=waits.append)
    assert waits == [] and len(replay.requests) == 1


def test_an_enabled_source_must_use_an_allowed_host(sources_settings, db):
    from django.core.exceptions import ValidationError

    from businesses.models import DataSource

    sources_settings.MARKET_SOURCES_ALLOWED_HOSTS = ["estadisticas.bcrp.gob.pe"]
    source = DataSource(
        name="Otra", provider="x", kind=DataSource.Kind.HTTPS_FILE, url="https://evil.example/x.csv"
    )
    source.full_clean()  # disabled: may be registered before the host is allowed
    source.enabled = True
    with pytest.raises(ValidationError, match=r"evil\.example is not on the allow-list"):
        source.full_clean()
    source.url = ""
    with pytest.raises(ValidationError, match="needs the URL of its file"):
        source.full_clean()


def test_fetch_to_file_streams_to_disk_with_its_digest_and_its_own_size_limit(
    replay, sources_settings, tmp_path
):
    """A large answer goes to a file (digest and size computed on the way), under the limit given
    for it alone; the settings' limit still holds for every other fetch."""
    import hashlib

    sources_settings.MARKET_SOURCES_MAX_BYTES = 1000
    body = bytes(range(256)) * 1000  # 256 KB: four chunks
    replay.routes["/padron.zip"] = Reply(body, content_type="application/zip")
    seen = []
    got = fetch_to_file(
        replay.url("/padron.zip"),
        tmp_path / "p.zip",
        max_bytes=len(body),
        deadline=5,
        progress=seen.append,
    )
    assert (tmp_path / "p.zip").read_bytes() == body
    assert (got.size, got.sha256) == (len(body), hashlib.sha256(body).hexdigest())
    assert seen[-1] == len(body) and len(seen) >= 2 and seen == sorted(seen)
    with pytest.raises(SourceFetchError, match="larger than the"):
        fetch(replay.url("/padron.zip"))


def test_fetch_to_file_refuses_past_its_limit_and_its_deadline(replay, tmp_path):
    replay.routes["/big"] = Reply(b"x" * 200_000)
    with pytest.raises(SourceFetchError, match="larger than the"):
        fetch_to_file(replay.url("/big"), tmp_path / "b", max_bytes=100_000, deadline=5)
    replay.routes["/slow"] = Reply(b"x" * 400_000, chunk_delay=0.2)  # 7 pieces, 0.2 s apart
    with pytest.raises(SourceFetchError, match=r"took longer than 0\.5 seconds") as caught:
        fetch_to_file(replay.url("/slow"), tmp_path / "s", max_bytes=10**6, deadline=0.5)
    assert caught.value.transient


def test_fetch_to_file_retries_from_the_start(replay, sources_settings, tmp_path):
    sources_settings.MARKET_SOURCES_RETRIES = 1
    calls = []

    def flaky(path):
        calls.append(path)
        return Reply(b"y" * 5000) if len(calls) == 2 else Reply(b"z" * 5000, truncate_to=3000)

    replay.routes["/flaky"] = flaky
    waits = []
    got = fetch_to_file_with_retries(
        replay.url("/flaky"), tmp_path / "f", max_bytes=10_000, deadline=5, sleep=waits.append
    )
    assert (tmp_path / "f").read_bytes() == b"y" * 5000 and got.size == 5000 and waits == [1]
