"""Prediction API benchmark, like for like: the product's forecast endpoints for businesses not in
the registry against a bare Flask app doing the same work (``bench/flask_api.py``: the same
JSON body parsed with orjson, the same engine function — the product's input parsing and
``forecasts_compute`` with the same production models and registry market — and the same JSON
answer). What separates the two is what the product adds around that work: Django's request
handling and middleware (sessions, two-factor, metrics, locale), DRF, API-key authentication,
throttling and rate counters, scoping.

It builds a throwaway SQLite registry with demo data (``seed_demo``), trains small models
(``train --promote``; the growth search limited to XGBoost), issues a partner API key, and
serves both apps the same way — gunicorn, 2 sync workers, OMP_NUM_THREADS=1, each process warmed
at start (``forecasting.warm``) — on loopback. wrk (one thread, 8 connections: 8 concurrent
clients; ``make bench-deps``) loads them in alternating phases over ``BENCH_ROUNDS`` rounds (so
that other load on the shared machine hits both alike): one business per request, then batches
of 100, each business's sales history and attributes in, forecast, growth probability and its
drivers out.

The product's shared counters (the API key's rate limit, one write per request) are kept where
a one-machine run without Redis keeps them (``make run``): in the registry's database, SQLite
here. ``BENCH_COUNTERS=redis`` keeps them as a deployment with Redis does (docker-compose): in a
``redis-server`` of the bench's own on a free port, without persistence, stopped by PID at the
end.

Prints one JSON line: ``{"single": {"product_rps", "product_p50_ms", "product_p99_ms",
"flask_rps", "ratio", ...}, "batch100": {"product_rows_per_s", "product_p99_ms",
"flask_rows_per_s", "ratio", ...}, "load_average_1m", "rate_counters", ...}`` (rates over every
round, the worst round's percentiles; ``load_average_1m`` before and after, as the machine is
shared; ``rate_counters`` where the product counted). Run from the
repository root: ``.venv/bin/python bench/api.py``.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUSINESSES = int(os.environ.get("BENCH_BUSINESSES", "1000"))
MONTHS = int(os.environ.get("BENCH_MONTHS", "48"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "8"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "2"))
COUNTERS = os.environ.get("BENCH_COUNTERS", "database")  # or "redis"
CLIENTS = 8
WORKERS = 2
SAMPLE = 200  # businesses whose requests are replayed
MODEL_PARAMETERS = {
    "forecaster": {"max_cutoffs": 12, "n_jobs": 2},
    "growth": {"families": ["xgboost"], "n_iter": 2, "cv_splits": 2, "max_cutoffs": 8},
}

PREPARE = r"""
import json, sys
import numpy as np, pandas as pd
from forecasting.history import businesses_frame, records_frame
from businesses.partners import partner_api_key_issue, partner_create

out = sys.argv[1] if len(sys.argv) > 1 else None
partner = partner_create(name="Banco de pruebas", contact_email="bench@example.pe")
_, key = partner_api_key_issue(partner=partner, name="bench")
records, businesses = records_frame(), businesses_frame()
cutoff = records["period"].max()
current = set(records.loc[records["period"] == cutoff, "business_id"])
rng = np.random.default_rng(5)
ids = rng.choice(sorted(current), size=min(SAMPLE, len(current)), replace=False)
static = businesses.set_index("business_id")
levels = {0.0: "low", 1.0: "medium", 2.0: "high"}
bodies = []
for b in ids:
    part = records[records["business_id"] == b].tail(36)
    history = []
    for r in part.itertuples():
        month = {"period": f"{r.period:%Y-%m}", "sales": float(r.sales)}
        if r.costs == r.costs:
            month["costs"] = float(r.costs)
        if r.employees == r.employees:
            month["employees"] = float(r.employees)
        if r.satisfaction == r.satisfaction:
            month["customer_satisfaction"] = levels[r.satisfaction]
        history.append(month)
    s = static.loc[b]
    bodies.append({
        "reference": str(b), "sector": s["sector_division"], "region": s["region_code"],
        "founded": None if pd.isna(s["founded"]) else f"{s['founded']:%Y-%m}",
        "women_led": bool(s["women_led"]), "sells_online": bool(s["sells_online"]),
        "history": history,
    })
json.dump({"key": key, "bodies": bodies}, open(out, "w"))
""".replace("SAMPLE", str(SAMPLE))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_port(port: int, proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server on port {port} exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server on port {port} did not start")


def _redis_server(tmp: Path) -> tuple[subprocess.Popen, str]:
    """A redis-server of this run's own (no persistence) and its URL."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("bench/api.py needs redis-server (or BENCH_COUNTERS=database)")
    port = _free_port()
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(tmp)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    _wait_port(port, proc)
    return proc, f"redis://127.0.0.1:{port}/0"


def _manage(env: dict, *args: str) -> str:
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


# --------------------------------------------------------------------------- the load


def _wrk() -> str:
    """The wrk binary; installed from Debian's packages (``make bench-deps``) when missing."""
    found = shutil.which("wrk")
    if found is None:
        subprocess.run(["make", "-s", "bench-deps"], cwd=ROOT, check=True)
        found = shutil.which("wrk")
    if found is None:
        raise SystemExit("bench/api.py needs wrk: run `make bench-deps`")
    return found


def load(spec: dict, tmp: Path) -> dict:
    """Run wrk (one thread, ``spec["clients"]`` connections) for ``spec["seconds"]``, posting
    ``spec["bodies"]`` in turn; wrk's C event loop leaves the two cores to the servers, where a
    Python load generator took a share of them."""
    bodies = tmp / "bodies.jsonl"
    bodies.write_text("\n".join(spec["bodies"]) + "\n")
    headers = [arg for k, v in spec["headers"].items() for arg in ("-H", f"{k}: {v}")]
    out = subprocess.run(
        [
            _wrk(), "-t1", f"-c{spec['clients']}", f"-d{spec['seconds']}s", "--timeout", "60s",
            "-s", str(ROOT / "bench" / "api_load.lua"), *headers,
            f"http://127.0.0.1:{spec['port']}{spec['path']}",
        ],
        env={**os.environ, "BENCH_BODIES": str(bodies)},
        check=True,
        capture_output=True,
        text=True,
    ).stdout  # fmt: skip
    result = json.loads(out.strip().splitlines()[-1])
    good = result["requests"] - result["non_2xx"]
    return {
        "requests": good,
        "errors": result["non_2xx"] + result["socket_errors"],
        "seconds": result["seconds"],
        "p50_ms": result["p50_ms"],
        "p99_ms": result["p99_ms"],
    }


# --------------------------------------------------------------------------- the benchmark


def _post(port: int, path: str, body: str, headers: dict) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=body.encode(),
        headers={"Content-Type": "application/json", **headers},
    )
    with urllib.request.urlopen(request, timeout=60) as answer:
        return json.loads(answer.read())


def _answer(spec: dict) -> dict:
    return _post(spec["port"], spec["path"], spec["bodies"][0], spec["headers"])


def main() -> None:
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench-api-") as tmp_name:
        tmp = Path(tmp_name)
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL")
        }
        env.update(
            ASESOR_DATA_DIR=str(tmp),
            DATABASE_URL=f"sqlite:///{tmp}/db.sqlite3",
            ASESOR_MODEL_PARAMETERS=json.dumps(MODEL_PARAMETERS),
            DJANGO_DEBUG="0",
            DJANGO_SECURE="0",
            DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
            API_THROTTLE_KEY="100000000/min",
            OMP_NUM_THREADS="1",
            PYTHONPATH=str(ROOT),
        )
        started = time.perf_counter()
        _manage(env, "migrate", "-v0")
        _manage(env, "seed_demo", "--businesses", str(BUSINESSES), "--months", str(MONTHS))
        _manage(env, "train", "--kind", "all", "--promote", "-v0")
        setup_seconds = time.perf_counter() - started
        prepared = tmp / "prepared.json"
        _manage(env, "shell", "-c", PREPARE.replace("sys.argv[1]", repr(str(prepared))))
        data = json.loads(prepared.read_text())

        redis = None
        if COUNTERS == "redis":
            redis, url = _redis_server(tmp)
            env = {**env, "REDIS_URL": url}  # the web processes' counters (not the setup's)
        ports = {"product": _free_port(), "flask": _free_port()}
        gunicorn = [str(Path(sys.executable).parent / "gunicorn"), "--workers", str(WORKERS)]
        apps = {
            "product": ("config.wsgi:application", ROOT),
            "flask": ("flask_api:app", ROOT / "bench"),
        }
        servers = {
            name: subprocess.Popen(
                [*gunicorn, "--bind", f"127.0.0.1:{ports[name]}", target],
                env=env,
                cwd=cwd,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for name, (target, cwd) in apps.items()
        }
        try:
            for name, proc in servers.items():
                _wait_port(ports[name], proc)
            key_header = {"Authorization": f"Api-Key {data['key']}"}
            bodies = data["bodies"]
            batches = [bodies[i : i + 100] for i in range(0, len(bodies) - 99, 100)]
            single = [json.dumps(b) for b in bodies]
            batch = [json.dumps({"businesses": b}) for b in batches]
            paths = {
                ("single", "product"): "/api/v1/forecasts/",
                ("batch100", "product"): "/api/v1/forecasts/batch/",
                ("single", "flask"): "/forecasts",
                ("batch100", "flask"): "/forecasts",
            }
            phases = {
                (kind, server): {
                    "port": ports[server],
                    "path": path,
                    "headers": key_header if server == "product" else {},
                    "bodies": single if kind == "single" else batch,
                    "rows": 1 if kind == "single" else 100,
                }
                for (kind, server), path in paths.items()
            }
            # the same work: both answer the same body with the same JSON
            same = {
                kind: len({json.dumps(_answer(phases[(kind, server)]), sort_keys=True)
                           for server in ("product", "flask")}) == 1
                for kind in ("single", "batch100")
            }  # fmt: skip
            # a short warm-up of each phase (every worker's first requests: code paths, the
            # market of each month the sample's histories end in)
            for spec in phases.values():
                warm = load({**spec, "clients": WORKERS * 2, "seconds": 2}, tmp)
                if warm["errors"] or not warm["requests"]:
                    raise RuntimeError(f"warm-up failed on {spec['path']}: {warm}")
            totals: dict = {k: {"requests": 0, "errors": 0, "seconds": 0.0, "p50": [], "p99": []}
                            for k in phases}  # fmt: skip
            for _ in range(ROUNDS):
                for key, spec in phases.items():
                    result = load({**spec, "clients": CLIENTS, "seconds": SECONDS}, tmp)
                    t = totals[key]
                    t["requests"] += result["requests"]
                    t["errors"] += result["errors"]
                    t["seconds"] += result["seconds"]
                    t["p50"].append(result["p50_ms"])
                    t["p99"].append(result["p99_ms"])
        finally:
            started_here = [*servers.values(), *([redis] if redis is not None else [])]
            for proc in started_here:
                proc.terminate()
            for proc in started_here:
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()

    def summary(kind: str, unit: str) -> dict:
        """One phase kind's figures: rates (``unit`` per second), their ratio, the worst
        round's percentiles and the errors of both servers."""
        rate = {
            server: totals[(kind, server)]["requests"]
            * phases[(kind, server)]["rows"]
            / totals[(kind, server)]["seconds"]
            for server in ("product", "flask")
        }
        out: dict = {f"{server}_{unit}": round(r, 1) for server, r in rate.items()}
        out["ratio"] = round(rate["product"] / rate["flask"], 3)
        for server in ("product", "flask"):
            for q in ("p50", "p99"):
                out[f"{server}_{q}_ms"] = max(totals[(kind, server)][q])
        out["errors"] = sum(totals[(kind, server)]["errors"] for server in ("product", "flask"))
        out["same_answers"] = same[kind]
        return out

    print(
        json.dumps(
            {
                "single": summary("single", "rps"),
                "batch100": summary("batch100", "rows_per_s"),
                "load_average_1m": round(os.getloadavg()[0], 2),
                "load_average_1m_before": round(load_before, 2),
                "rate_counters": COUNTERS,
                "clients": CLIENTS,
                "workers": WORKERS,
                "seconds_per_phase": SECONDS,
                "rounds": ROUNDS,
                "businesses": BUSINESSES,
                "months": MONTHS,
                "setup_seconds": round(setup_seconds, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
