"""Pulling a BCRPData source from the local replay server into a fresh SQLite database: N series
x M months (default 200 x 240, twenty years), ten series per request as the API allows, then the
same pull again (all unchanged), then a pull where 1 % of the values were revised.

The answers are synthetic, generated in the shape of the API's JSON (before the clock starts);
nothing leaves the machine.
Prints one JSON line: {"series", "months", "values", "seconds", "values_per_s",
"repull_seconds", "revision_seconds", "revised", "requests", "mb", ...}.
Usage: .venv/bin/python bench/market_sources.py [--series N] [--months M]
"""

import argparse
import functools
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_MONTHS_ES = ["Ene", "Feb", "Mar", "Abr", "May", "Jun", "Jul", "Ago", "Set", "Oct", "Nov", "Dic"]


@functools.cache
def answer(path: str, *, revised: bool) -> bytes:
    """A JSON answer for /api/<codes>/json/<yyyy-m>/<yyyy-m>/<lang>."""
    codes, _fmt, start, end = path.strip("/").split("/")[1:5]
    codes = codes.split("-")
    y0, m0 = (int(x) for x in start.split("-"))
    y1, m1 = (int(x) for x in end.split("-"))
    first, last = y0 * 12 + m0 - 1, y1 * 12 + m1 - 1
    numbers = [int(c[2:7]) for c in codes]
    periods = []
    for t in range(first, last + 1):
        values = []
        for n in numbers:
            if t == last and n % 10 == 0:
                values.append("n.d.")
                continue
            value = 80 + (n * 7 + t * 3) % 50 + (t - first) * 0.05
            if revised and (n + t) % 100 == 0:
                value += 0.37
            values.append(f"{value:.2f}")
        periods.append({"name": f"{_MONTHS_ES[t % 12]}.{t // 12}", "values": values})
    config = {"title": "bench", "series": [{"name": f"serie {c}", "dec": "2"} for c in codes]}
    return json.dumps({"config": config, "periods": periods}).encode()


def inner(n_series: int, months: int) -> dict:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.utils import timezone

    from businesses.models import DataSource, MarketIndicator, SourceSeries
    from businesses.sources.services import source_pull
    from tests.replay import ReplayServer, Reply

    state = {"revised": False}
    with ReplayServer({"/api/": lambda p: Reply(answer(p, revised=state["revised"]))}) as server:
        today = timezone.localdate()
        t0 = today.year * 12 + today.month - 1 - (months - 1)
        source = DataSource.objects.create(
            name="BCRP bench",
            provider="replay",
            kind=DataSource.Kind.BCRP_API,
            url=server.url("/api"),
            period_start=today.replace(year=t0 // 12, month=t0 % 12 + 1, day=1),
            enabled=True,
        )
        sectors = ["01", "03", "B", "C", "D", "F", "G", None]
        SourceSeries.objects.bulk_create(
            [
                SourceSeries(
                    source=source,
                    code=f"PN{n:05d}AM",
                    indicator=f"bench_index_{n // len(sectors)}",
                    sector_id=sectors[n % len(sectors)],
                )
                for n in range(n_series)
            ]
        )
        # The replay server runs in this process: build its answers before the clock starts, so
        # that the figures measure the connector (fetch, parse, store), not the fake server.
        from businesses.sources.bcrp import bcrp_urls

        codes = sorted(source.series.values_list("code", flat=True))
        for _codes, url in bcrp_urls(
            base=source.url, codes=codes, start=source.period_start,
            end=today.replace(day=1), language=source.language,
        ):  # fmt: skip
            path = url.split(str(server.port), 1)[1]
            answer(path, revised=False)
            answer(path, revised=True)
        start = time.perf_counter()
        first = source_pull(source=source)
        seconds = time.perf_counter() - start
        assert not first.failed, first.message
        start = time.perf_counter()
        again = source_pull(source=source)
        seconds_again = time.perf_counter() - start
        state["revised"] = True
        start = time.perf_counter()
        revised = source_pull(source=source)
        seconds_revised = time.perf_counter() - start
        stored = MarketIndicator.objects.filter(source=source).count()
    return {
        "series": n_series,
        "months": months,
        "values": first.created,
        "missing_nd": first.missing,
        "stored": stored,
        "requests": first.requests,
        "mb": round(first.bytes / 1e6, 2),
        "seconds": round(seconds, 2),
        "values_per_s": round(first.created / seconds),
        "repull_seconds": round(seconds_again, 2),
        "repull_unchanged": again.unchanged,
        "repull_changed": again.created + again.revised,
        "revision_seconds": round(seconds_revised, 2),
        "revised": revised.revised,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--series", type=int, default=200)
    parser.add_argument("--months", type=int, default=240)
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inner:
        print(json.dumps(inner(args.series, args.months)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "ASESOR_DATA_DIR": tmp,
            "DATABASE_URL": f"sqlite:///{tmp}/db.sqlite3",
            # The replay server is plain http on 127.0.0.1: allowed for this run only.
            "MARKET_SOURCES_ALLOWED_HOSTS": "127.0.0.1",
            "MARKET_SOURCES_ALLOW_PRIVATE": "1",
            "MARKET_SOURCES_ALLOW_HTTP": "1",
        }
        env.pop("CELERY_BROKER_URL", None)
        env.pop("REDIS_URL", None)
        manage = [sys.executable, str(ROOT / "manage.py")]
        subprocess.run([*manage, "migrate", "-v0"], env=env, check=True, cwd=ROOT)
        out = subprocess.run(
            [sys.executable, __file__, "--series", str(args.series), "--months",
             str(args.months), "--inner"],
            env=env, check=True, cwd=ROOT, capture_output=True, text=True,
        ).stdout.strip().splitlines()[-1]  # fmt: skip
    print(json.dumps({**json.loads(out), "database": "sqlite"}))


if __name__ == "__main__":
    main()
