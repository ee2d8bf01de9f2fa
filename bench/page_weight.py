"""Page weight and time to visible on a slow mobile link, as an advisor in the field sees them.

Runs the product as in production (gunicorn, DEBUG off, WhiteNoise serving the collected,
hashed and compressed static files, pages gzipped) on a small trained demo, then loads each page
in Debian's Chromium through Playwright with the network throttled by the DevTools protocol to a
slow-3G-like profile (400 kbit/s down and up, 400 ms latency):

- cold: a new browser profile (empty cache) — bytes received over the wire for the page and
  everything it loads (HTML, CSS, JS, images; compressed, headers included);
- warm: the same page opened again in the same profile — what is still transferred once static
  files are cached (long lifetimes, hashed names: only the HTML should travel);
- visible_ms: from navigation start to the largest contentful paint (first contentful paint if
  the browser reports no LCP), on the cold load.

Budgets (issue 10): the business page <= 300 KB cold, <= 60 KB warm, visible within 5 s.
Also measured: the caseload, the market trends page and the owner's PDF report (its bytes and
download time on the same link, and its page count); and, as the demo market analyst
(issue 20), the opportunity map (same budget: <= 300 KB cold, <= 60 KB warm) and the
drill-down of Lima.

Prints one JSON line: {"business_page": {...}, "caseload": {...}, "trends": {...},
"opportunities": {...}, "opportunity_drill": {...}, "owner_report": {...}, "profile": {...},
"budgets": {...}}.

Usage: .venv/bin/python bench/page_weight.py [--businesses N] [--fresh]
The demo data lives in var/bench-page-weight and is reused by later runs (--fresh rebuilds it).
Needs /usr/bin/chromium (Debian's package) and the `playwright` Python package; never
`playwright install`.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.model_parameters import SMALL_MODELS  # noqa: E402  (plain data, no Django)

DATA_DIR = ROOT / "var" / "bench-page-weight"
CHROMIUM = os.environ.get("ASESOR_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"]
USERNAME, PASSWORD = "asesora.lima", "asesor-demo-2026"  # businesses.demo
ANALYST = "analista.mercado"  # the opportunity map's user
# Slow 3G as issue 10 puts it: ~400 kbit/s down, 400 ms latency.
PROFILE = {"name": "slow-3g", "download_kbit_s": 400, "upload_kbit_s": 400, "latency_ms": 400}
BUDGETS = {
    "business_page": {"cold_bytes": 300_000, "warm_bytes": 60_000, "visible_ms": 5000},
    "opportunities": {"cold_bytes": 300_000, "warm_bytes": 60_000},
}
# Page weight does not depend on model quality: SMALL_MODELS train in seconds.

PREPARE = """
import json
from django.contrib.auth import get_user_model
from django.db.models import Count
from businesses.models import Business
from feedback.models import RecommendationFeedback
from forecasting.advice.services import advice_compute_now
from forecasting.models import Advice

user = get_user_model().objects.get(username=%(user)r)
business = (
    Business.objects.filter(advisor=user).annotate(n=Count("records")).order_by("-n", "pk").first()
)
if not Advice.objects.filter(business=business, status="ready").exists():
    advice = advice_compute_now(business=business, user=user)
    for rec in advice.recommendations.all():
        RecommendationFeedback.objects.create(
            recommendation=rec, action="accepted", created_by=user
        )
print(json.dumps({"business": business.pk, "records": business.n}))
"""


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _env() -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL")
    }
    env.update(
        ASESOR_DATA_DIR=str(DATA_DIR),
        DJANGO_DEBUG="0",
        DJANGO_SECURE="0",
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        OMP_NUM_THREADS="1",
        ASESOR_MODEL_PARAMETERS=json.dumps(SMALL_MODELS),
        LOG_LEVEL="WARNING",
    )
    return env


def _manage(*args: str) -> str:
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        sys.exit(f"page_weight: manage.py {args[0]} failed:\n{result.stderr[-3000:]}")
    log(f"  manage.py {args[0]} ({time.perf_counter() - started:.1f} s)")
    return result.stdout


def prepare(businesses: int, fresh: bool) -> dict:
    """A trained demo with ready advice on the advisor's longest-history business, and the
    static files collected (hashed and compressed) as in production."""
    if fresh and DATA_DIR.exists():
        shutil.rmtree(DATA_DIR)
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    log(f"preparing the demo in {DATA_DIR.relative_to(ROOT)}")
    _manage("migrate", "--noinput", "-v0")
    _manage("seed_demo", "--if-empty", "--businesses", str(businesses), "--months", "48")
    _manage("train", "--kind", "all", "--promote", "--if-missing")
    # as make run: every business scored and advised (the opportunity map's figures)
    _manage("refresh_scores", "--if-empty")
    manifest = DATA_DIR / "static" / "staticfiles.json"
    sources = [p for p in (ROOT / "static").rglob("*") if p.is_file()]
    if not manifest.exists() or any(p.stat().st_mtime > manifest.stat().st_mtime for p in sources):
        # Compressing every file (admin, the API docs' bundles) in gzip and brotli takes minutes
        # on a busy 2-core machine: done again only when the project's static files change.
        _manage("collectstatic", "--noinput", "-v0")
    out = _manage("shell", "-c", PREPARE % {"user": USERNAME})
    return json.loads(out.strip().splitlines()[-1])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server() -> tuple[subprocess.Popen, str]:
    port = _free_port()
    server = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"page_weight: gunicorn exited:\n{server.stderr.read().decode()[-3000:]}")
        try:
            with urllib.request.urlopen(base + "/health/", timeout=2) as response:
                if response.status == 200:
                    return server, base
        except OSError:
            time.sleep(0.3)
    stop_server(server)
    sys.exit("page_weight: gunicorn did not answer within 60 s")


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


LCP_OBSERVER = """
window.__lcp = null;
try {
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) { window.__lcp = entry.startTime; }
  }).observe({type: "largest-contentful-paint", buffered: true});
} catch (e) {}
"""


class Meter:
    """Bytes received over the (throttled) wire by one page, from the DevTools protocol."""

    def __init__(self, context, page):
        self.cdp = context.new_cdp_session(page)
        self.cdp.send("Network.enable")
        self.cdp.send(
            "Network.emulateNetworkConditions",
            {
                "offline": False,
                "latency": PROFILE["latency_ms"],
                "downloadThroughput": PROFILE["download_kbit_s"] * 1000 / 8,
                "uploadThroughput": PROFILE["upload_kbit_s"] * 1000 / 8,
            },
        )
        self.bytes = 0
        self.requests: dict[str, dict] = {}
        self.cdp.on("Network.responseReceived", self._response)
        self.cdp.on("Network.loadingFinished", self._finished)

    def _response(self, event) -> None:
        response = event["response"]
        headers = {k.lower(): v for k, v in response.get("headers", {}).items()}
        self.requests.setdefault(event["requestId"], {}).update(
            url=response["url"],
            status=response["status"],
            encoding=headers.get("content-encoding", ""),
            cache_control=headers.get("cache-control", ""),
        )

    def _finished(self, event) -> None:
        self.bytes += int(event.get("encodedDataLength", 0))
        self.requests.setdefault(event["requestId"], {})["bytes"] = int(
            event.get("encodedDataLength", 0)
        )


def load(context, url: str) -> dict:
    """Open ``url`` in a new tab of ``context`` on the throttled link; bytes and paint times."""
    page = context.new_page()
    meter = Meter(context, page)
    page.add_init_script(LCP_OBSERVER)
    response = page.goto(url, wait_until="load", timeout=120_000)
    if response is None or response.status != 200:
        raise RuntimeError(f"{url} answered {response and response.status}")
    page.wait_for_timeout(300)  # let the paint entries settle after the load event
    timing = page.evaluate(
        """() => {
          const nav = performance.getEntriesByType("navigation")[0];
          const fcp = performance.getEntriesByName("first-contentful-paint")[0];
          return {fcp: fcp ? fcp.startTime : null, lcp: window.__lcp,
                  dcl: nav.domContentLoadedEventEnd, load: nav.loadEventEnd};
        }"""
    )
    visible = timing["lcp"] if timing["lcp"] is not None else timing["fcp"]
    result = {
        "bytes": meter.bytes,
        "requests": len([r for r in meter.requests.values() if r.get("bytes")]),
        "visible_ms": round(visible) if visible is not None else None,
        "fcp_ms": round(timing["fcp"]) if timing["fcp"] is not None else None,
        "lcp_ms": round(timing["lcp"]) if timing["lcp"] is not None else None,
        "load_ms": round(timing["load"]),
        "html_encoding": next(
            (r.get("encoding", "") for r in meter.requests.values() if r.get("url") == url), ""
        ),
    }
    for r in meter.requests.values():
        log(
            f"    {r.get('status')} {r.get('bytes', 0):>7} B {r.get('encoding') or '-':<4} "
            f"{r.get('cache_control') or '-':<40} {r.get('url', '?')[:90]}"
        )
    page.close()
    return result


def login_state(browser, base: str, username: str) -> dict:
    """The cookies of ``username`` logged in through the login form."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("form [type=submit]")
    state = context.storage_state()
    context.close()
    return state


def measure_page(browser, storage_state: dict, url: str) -> dict:
    context = browser.new_context(storage_state=storage_state)
    try:
        cold = load(context, url)
        warm = load(context, url)
        identity = context.request.get(url, headers={"Accept-Encoding": "identity"}).body()
    finally:
        context.close()
    return {
        "cold_bytes": cold["bytes"],
        "warm_bytes": warm["bytes"],
        "visible_ms": cold["visible_ms"],
        "warm_visible_ms": warm["visible_ms"],
        "fcp_ms": cold["fcp_ms"],
        "lcp_ms": cold["lcp_ms"],
        "load_ms": cold["load_ms"],
        "html_bytes_uncompressed": len(identity),
        "cold_requests": cold["requests"],
        "warm_requests": warm["requests"],
        "html_encoding": cold["html_encoding"],
    }


def measure_report(browser, storage_state: dict, base: str, business: int) -> dict:
    """The owner's PDF fetched from the business page on the same link: bytes, time, pages."""
    context = browser.new_context(storage_state=storage_state)
    try:
        page = context.new_page()
        page.goto(f"{base}/businesses/{business}/", wait_until="load")
        meter = Meter(context, page)
        url = f"{base}/businesses/{business}/report.pdf"
        download = page.evaluate(
            """async (url) => {
              const t0 = performance.now();
              const response = await fetch(url, {credentials: "same-origin"});
              const body = await response.arrayBuffer();
              return {ms: performance.now() - t0, status: response.status, size: body.byteLength};
            }""",
            url,
        )
        pdf = context.request.get(url).body()
    finally:
        context.close()
    try:
        from pypdf import PdfReader

        pages = len(PdfReader(io.BytesIO(pdf)).pages)
    except ImportError:  # pypdf is a dev dependency; the page count is a bonus
        pages = None
    return {
        "status": download["status"],
        "pdf_bytes": download["size"],
        "cold_bytes": meter.bytes,
        "download_ms": round(download["ms"]),
        "pages": pages,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--businesses", type=int, default=300)
    parser.add_argument("--fresh", action="store_true", help="rebuild the demo data")
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        sys.exit(f"page_weight: no Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    demo = prepare(args.businesses, args.fresh)
    server, base = start_server()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            state = login_state(browser, base, USERNAME)
            analyst = login_state(browser, base, ANALYST)
            pages = {
                "business_page": (state, f"{base}/businesses/{demo['business']}/"),
                "caseload": (state, f"{base}/businesses/"),
                "trends": (state, f"{base}/businesses/market/"),
                "opportunities": (analyst, f"{base}/opportunities/"),
                "opportunity_drill": (analyst, f"{base}/opportunities/region/15/"),
            }
            results: dict = {}
            for name, (who, url) in pages.items():
                log(f"measuring {name}: {url}")
                try:
                    results[name] = measure_page(browser, who, url)
                except RuntimeError as error:
                    if name == "business_page":
                        raise SystemExit(f"page_weight: {error}") from None
                    results[name] = {"error": str(error)}  # the others are reported, not fatal
            log("measuring the owner's report")
            results["owner_report"] = measure_report(browser, state, base, demo["business"])
            browser.close()
    finally:
        stop_server(server)
    for name, budget in BUDGETS.items():
        measured = results[name]
        measured["within_budget"] = "error" not in measured and all(
            measured[key] is not None and measured[key] <= limit for key, limit in budget.items()
        )
    results["profile"] = PROFILE
    results["budgets"] = BUDGETS
    results["demo"] = {"businesses": args.businesses, "business_records": demo["records"]}
    print(json.dumps(results))


if __name__ == "__main__":
    main()
