"""Market trends page and API timings on the demo data (the disclosure rules' cost).

Seeds the demo panel (``BENCH_BUSINESSES`` x ``BENCH_MONTHS``, default 300 x 36, seed 5, the
acceptance checks' panel) into its own SQLite database under ``var/bench-market`` (made afresh),
then, as the demo advisor ``asesora.lima`` and the steward ``gestor.datos``, times through the
whole Django stack (test client): the market page of each of the user's regions (all sectors,
then its largest sector) with the market cache empty (``cold``: the figures computed) and again
(``warm``: read from the cache), and ``GET /api/v1/market-trends/?sector=47`` (every region).
Prints one JSON line of median milliseconds. Run from the repository root:
``.venv/bin/python bench/market_page.py``.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = ROOT / "var" / "bench-market"
shutil.rmtree(DATA, ignore_errors=True)
DATA.mkdir(parents=True)
for name in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL"):
    os.environ.pop(name, None)
os.environ.update(ASESOR_DATA_DIR=str(DATA), DJANGO_SETTINGS_MODULE="config.settings")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402

BUSINESSES = int(os.environ.get("BENCH_BUSINESSES", "300"))
MONTHS = int(os.environ.get("BENCH_MONTHS", "36"))


def ms(function) -> float:
    started = time.perf_counter()
    response = function()
    assert response.status_code == 200, response.status_code
    return (time.perf_counter() - started) * 1000


def _signed_in(user) -> Client:
    """A client with ``user``'s session, verified by a second factor where the role requires
    one (the steward: an authenticator device of the bench's own, as a code given at login
    would leave the session), so that every request is timed through the whole stack."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from core.two_factor import two_factor_required

    client = Client()
    client.force_login(user)
    if two_factor_required(user):
        device, _ = TOTPDevice.objects.get_or_create(
            user=user, name="bench", defaults={"confirmed": True}
        )
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def main() -> None:
    settings.ALLOWED_HOSTS = ["testserver"]
    call_command("migrate", verbosity=0)
    call_command("seed_demo", businesses=BUSINESSES, months=MONTHS, seed=5, verbosity=0)
    from businesses.market import trend_regions
    from businesses.models import Business

    out: dict[str, object] = {"businesses": BUSINESSES, "months": MONTHS}
    for username in ("asesora.lima", "gestor.datos"):
        user = get_user_model().objects.get(username=username)
        client = _signed_in(user)
        regions = [r.code for r in trend_regions(user)][:6]
        cold, warm = [], []
        for region in regions:
            top = (
                Business.objects.filter(region_id=region)
                .values("sector_id")
                .annotate(n=Count("pk"))
                .order_by("-n")
                .first()
            )
            for params in ({"region": region}, {"region": region, "sector": top["sector_id"]}):
                cache.clear()
                page = lambda c=client, p=params: c.get("/businesses/market/", p, secure=True)  # noqa: E731
                cold.append(ms(page))
                warm.append(ms(page))
        out[f"{username}_page_cold_ms"] = round(statistics.median(cold), 1)
        out[f"{username}_page_warm_ms"] = round(statistics.median(warm), 1)
        cache.clear()
        out[f"{username}_api_sector_all_regions_cold_ms"] = round(
            ms(lambda c=client: c.get("/api/v1/market-trends/", {"sector": "47"}, secure=True)), 1
        )
    out["load_average_1m"] = round(os.getloadavg()[0], 2)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
