"""Browser tier: Playwright drives Debian's Chromium against the real product.

Once per session a throwaway site is built in a temporary folder: a fresh SQLite database,
migrated, with a small demo panel (300 businesses x 36 months, the demo users) and small
production models trained on it; then the web server (``runserver --noreload --insecure``,
DEBUG off, so 404s and messages are the production ones) and a real Celery worker on the
filesystem broker are started as child processes and ended by PID at the end.

Why a real worker rather than eager tasks: "request fresh advice" is a queued job that the page
follows (pending notice, polling, section reloaded when ready). With eager tasks the advice would
be computed inside the request and the page would never show or poll the pending state, so the
very behaviour an advisor relies on would go untested.

The test process never opens the Django database (its tests carry no ``django_db`` mark); the
few ids a scenario needs are read from the site's SQLite file with :mod:`sqlite3` before the
browser starts. Chromium is the system one (``/usr/bin/chromium``, installed by the Makefile),
never a browser downloaded by Playwright. A failing test leaves a screenshot of its page(s)
in ``var/test-browser/screenshots/``; the site's logs stay in ``var/test-browser/site/``.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.model_parameters import SMALL_MODELS

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("ASESOR_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = ROOT / "var" / "test-browser" / "screenshots"
SITE_DIR = ROOT / "var" / "test-browser" / "site"
PASSWORD = "asesor-demo-2026"  # businesses.demo.DEMO_PASSWORD
BUSINESSES, MONTHS, SEED = 240, 36, 5

# Run inside the site (``manage.py shell``): for the advisor scenario, a business of
# asesora.lima whose advice will carry at least three recommendations (accept, edit, reject),
# found by scoring without storing anything.
_PICK_BUSINESS = """
from businesses.models import Business
from forecasting.advice.rules import recommendations_for
from forecasting.scoring.snapshot import score_business
best = None
for b in Business.objects.filter(advisor__username="asesora.lima").order_by("pk")[:60]:
    n = len(recommendations_for(score_business(b.pk)))
    if n >= 3:
        best = b.pk
        break
print("PICKED", best)
"""


@dataclass
class Site:
    """The running site: its address and the facts scenarios need."""

    url: str
    database: Path
    data_dir: Path
    logs: dict[str, Path] = field(default_factory=dict)
    advice_business: int | None = None

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        """Read the site's database (read-only connection, never through Django)."""
        with sqlite3.connect(f"file:{self.database}?mode=ro", uri=True, timeout=10) as db:
            return db.execute(sql, params).fetchall()

    def business_of(self, username: str) -> int:
        rows = self.query(
            "SELECT b.id FROM businesses_business b JOIN auth_user u ON u.id = b.advisor_id"
            " WHERE u.username = ? ORDER BY b.id LIMIT 1",
            (username,),
        )
        assert rows, f"{username} has no business in the browser-tier demo data"
        return rows[0][0]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _site_env(data_dir: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "CELERY_QUEUE"}
    }
    env.update(
        DATABASE_URL=f"sqlite:///{data_dir / 'db.sqlite3'}",
        ASESOR_DATA_DIR=str(data_dir),
        ASESOR_MODEL_STORE=str(data_dir / "models"),
        DJANGO_STATIC_ROOT=str(data_dir / "static"),
        CELERY_BROKER_URL="filesystem://",
        CELERY_QUEUE="asesor-browser",
        DJANGO_DEBUG="0",
        DJANGO_SECURE="0",
        ASESOR_MODEL_PARAMETERS=json.dumps(SMALL_MODELS),
        OMP_NUM_THREADS="1",
        PYTHONUNBUFFERED="1",
    )
    return env


def _manage(env: dict[str, str], *args: str, log: Path) -> str:
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    with log.open("a") as f:
        f.write(f"$ manage.py {' '.join(args)} ({time.perf_counter() - started:.1f} s)\n")
        f.write(f"{result.stdout}{result.stderr}\n")
    if result.returncode != 0:
        pytest.fail(
            f"browser-tier setup: 'manage.py {' '.join(args)}' failed ({result.returncode}):\n"
            f"{result.stderr[-3000:]}",
            pytrace=False,
        )
    return result.stdout


def _start(cmd: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        cmd,
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: we end it and its children by PID
    )


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


def _wait_http(url: str, process: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the web server exited early:\n{log.read_text()[-3000:]}", pytrace=False)
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"the web server did not answer {url} in {timeout} s", pytrace=False)


@pytest.fixture(scope="session")
def site() -> Iterator[Site]:
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium is not installed at {CHROMIUM}: run 'make test-browser' (it installs "
            "Debian's chromium package) or set ASESOR_CHROMIUM",
            pytrace=False,
        )
    # Under var/ rather than a temporary folder, so that its logs (setup, web, worker) are
    # there to read after a failure; it is rebuilt from nothing at each session.
    data_dir = SITE_DIR
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True)
    env = _site_env(data_dir)
    setup_log = data_dir / "setup.log"
    _manage(env, "migrate", "--noinput", "-v0", log=setup_log)
    _manage(
        env,
        "seed_demo",
        "--businesses",
        str(BUSINESSES),
        "--months",
        str(MONTHS),
        "--seed",
        str(SEED),
        log=setup_log,
    )
    _manage(env, "train", "--kind", "all", "--promote", "-v0", log=setup_log)
    # as make run's first start (and the nightly scoring): current scores and every business's
    # advice, so pages show advice on the first visit
    _manage(env, "refresh_scores", "--if-empty", log=setup_log)
    picked = _manage(env, "shell", "-c", _PICK_BUSINESS, log=setup_log).split("PICKED")[-1]
    port = _free_port()
    site = Site(
        url=f"http://127.0.0.1:{port}",
        database=data_dir / "db.sqlite3",
        data_dir=data_dir,
        logs={"setup": setup_log, "web": data_dir / "web.log", "worker": data_dir / "worker.log"},
        advice_business=int(picked) if picked.strip().isdigit() else None,
    )
    worker = _start(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--loglevel",
            "info",
            "--concurrency",
            "1",
            "--pool",
            "solo",
            "--hostname",
            f"browser-{os.getpid()}@%h",
            "--without-gossip",
            "--without-mingle",
        ],
        env,
        site.logs["worker"],
    )
    web = _start(
        [
            sys.executable,
            "manage.py",
            "runserver",
            "--noreload",
            "--insecure",  # static files from the finders with DEBUG off (no collectstatic)
            f"127.0.0.1:{port}",
        ],
        env,
        site.logs["web"],
    )
    try:
        _wait_http(f"{site.url}/health/", web, site.logs["web"])
        yield site
    finally:
        _stop(web)
        _stop(worker)


@pytest.fixture(scope="session")
def browser(site):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def new_page(browser, site, request):
    """Open pages in fresh browser contexts (each its own cookies: one per user), as a
    Peruvian advisor's browser would (es-PE); screenshot every open page if the test fails."""
    contexts = []

    def open_page(locale: str = "es-PE"):
        context = browser.new_context(
            base_url=site.url, locale=locale, viewport={"width": 1280, "height": 900}
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    failed = getattr(request.node, "report_call", None)
    if failed is not None and failed.failed:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        for i, context in enumerate(contexts):
            for j, page in enumerate(context.pages):
                path = SCREENSHOTS / f"{request.node.name}-{i}-{j}.png"
                try:
                    page.screenshot(path=str(path), full_page=True)
                except Exception as error:  # a crashed page must not hide the test's failure
                    print(f"no screenshot {path}: {error}")
                else:
                    print(f"screenshot: {path}")
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


def login(page, username: str, password: str = PASSWORD) -> None:
    """Log in through the Spanish login form and land on the caseload."""
    page.goto("/login/")
    page.get_by_label("Usuario").fill(username)
    page.get_by_label("Contraseña").fill(password)
    page.get_by_role("button", name="Iniciar sesión").click()
    page.wait_for_url(lambda url: "/login/" not in url)
