"""Prediction API benchmark: this project's forecast endpoint for businesses not in the registry
against the seed's way of serving (bench/flask_seed.py: a bare Flask app that unpickles the same
forecaster with joblib
and predicts per request from JSON feature rows).

It builds a throwaway SQLite registry with demo data (``seed_demo``), trains small models
(``train --promote``; the growth search limited to XGBoost), issues a partner API key, and
serves both apps the same way — gunicorn, 2 sync workers, OMP_NUM_THREADS=1 — on loopback.
wrk (one thread, 8 connections: 8 concurrent clients) loads them: one business per request (the
project gets the business's sales history and attributes and builds its features; Flask gets the
feature row already built), then batches of 100. The project also computes the growth
probability and its drivers; Flask only the forecast. Phases alternate between the two servers
over ``BENCH_ROUNDS`` rounds so that other load on the machine hits both alike.

Prints one JSON line: ``{"single": {"project_rps", "flask_rps", "ratio", "project_p50_ms",
"project_p99_ms", ...}, "batch100": {"project_rows_per_s", "flask_rows_per_s", "ratio", ...}}``.
Run from the repository root: ``.venv/bin/python bench/api.py``.
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
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUSINESSES = int(os.environ.get("BENCH_BUSINESSES", "1000"))
MONTHS = int(os.environ.get("BENCH_MONTHS", "48"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "8"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "2"))
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
from forecasting.engine.features import build_features
from forecasting.lifecycle.registry import production_model, store_dir
from forecasting.history import businesses_frame, indicators_frame, records_frame
from businesses.partners import partner_api_key_issue, partner_create

out = sys.argv[1] if len(sys.argv) > 1 else None
partner = partner_create(name="Banco de pruebas", contact_email="bench@example.pe")
_, key = partner_api_key_issue(partner=partner, name="bench")
version, forecaster = production_model("forecaster")
records, businesses, indicators = records_frame(), businesses_frame(), indicators_frame()
cutoff = records["period"].max()
horizons = tuple(forecaster.horizons)
features = build_features(records, businesses, indicators, [cutoff], horizons=horizons)
current = set(records.loc[records["period"] == cutoff, "business_id"])
rng = np.random.default_rng(5)
ids = rng.choice(sorted(current), size=min(SAMPLE, len(current)), replace=False)
static = businesses.set_index("business_id")
levels = {0.0: "low", 1.0: "medium", 2.0: "high"}
project, flask = [], []
columns = [str(c) for c in features.columns]
rows = features.set_index("business_id", drop=False)
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
    project.append({
        "reference": str(b), "sector": s["sector_division"], "region": s["region_code"],
        "founded": None if pd.isna(s["founded"]) else f"{s['founded']:%Y-%m}",
        "women_led": bool(s["women_led"]), "sells_online": bool(s["sells_online"]),
        "history": history,
    })
    row = rows.loc[b]
    flask.append([
        (None if (isinstance(v, float) and v != v) else
         (f"{v:%Y-%m-%d}" if isinstance(v, pd.Timestamp) else
          (v.item() if hasattr(v, "item") else v)))
        for v in (row[c] for c in columns)
    ])
json.dump({
    "key": key, "project": project, "flask": flask, "columns": columns,
    "model": str(store_dir() / version.artifact_path),
}, open(out, "w"))
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


def main() -> None:
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
        columns_file = tmp / "columns.json"
        columns_file.write_text(json.dumps(data["columns"]))

        project_port, flask_port = _free_port(), _free_port()
        gunicorn = [str(Path(sys.executable).parent / "gunicorn"), "--workers", str(WORKERS)]
        servers = [
            subprocess.Popen(
                [*gunicorn, "--bind", f"127.0.0.1:{project_port}", "config.wsgi:application"],
                env=env,
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            ),
            subprocess.Popen(
                [*gunicorn, "--bind", f"127.0.0.1:{flask_port}", "flask_seed:app"],
                env={**env, "SEED_MODEL": data["model"], "SEED_COLUMNS": str(columns_file)},
                cwd=ROOT / "bench",
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            ),
        ]
        try:
            _wait_port(project_port, servers[0])
            _wait_port(flask_port, servers[1])
            key_header = {"Authorization": f"Api-Key {data['key']}"}
            project, flask = data["project"], data["flask"]
            batches = [project[i : i + 100] for i in range(0, len(project) - 99, 100)]
            flask_batches = [flask[i : i + 100] for i in range(0, len(flask) - 99, 100)]
            phases = {
                ("single", "project"): {
                    "port": project_port,
                    "path": "/api/v1/forecasts/",
                    "headers": key_header,
                    "bodies": [json.dumps(b) for b in project],
                    "rows": 1,
                },
                ("single", "flask"): {
                    "port": flask_port,
                    "path": "/predict",
                    "headers": {},
                    "bodies": [json.dumps([r]) for r in flask],
                    "rows": 1,
                },
                ("batch100", "project"): {
                    "port": project_port,
                    "path": "/api/v1/forecasts/batch/",
                    "headers": key_header,
                    "bodies": [json.dumps({"businesses": b}) for b in batches],
                    "rows": 100,
                },
                ("batch100", "flask"): {
                    "port": flask_port,
                    "path": "/predict",
                    "headers": {},
                    "bodies": [json.dumps(b) for b in flask_batches],
                    "rows": 100,
                },
            }
            # warm both workers of each server before measuring: models, and the project's
            # market reference of each month the sample's histories end in (the first request
            # of a month reads the registry: seconds, once per worker)
            for (_, server), spec in phases.items():
                seconds = 10 if server == "project" else 3
                warm = load({**spec, "clients": WORKERS * 2, "seconds": seconds}, tmp)
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
            for proc in servers:
                proc.terminate()
            for proc in servers:
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
            for server in ("project", "flask")
        }
        out: dict = {f"{server}_{unit}": round(r, 1) for server, r in rate.items()}
        out["ratio"] = round(rate["project"] / rate["flask"], 2)
        for server in ("project", "flask"):
            for q in ("p50", "p99"):
                out[f"{server}_{q}_ms"] = max(totals[(kind, server)][q])
        out["errors"] = sum(totals[(kind, server)]["errors"] for server in ("project", "flask"))
        return out

    print(
        json.dumps(
            {
                "single": summary("single", "rps"),
                "batch100": summary("batch100", "rows_per_s"),
                "clients": CLIENTS,
                "workers": WORKERS,
                "seconds_per_phase": SECONDS,
                "rounds": ROUNDS,
                "businesses": BUSINESSES,
                "months": MONTHS,
                "setup_seconds": round(setup_seconds, 1),
                "load_average_1m": round(os.getloadavg()[0], 2),
            }
        )
    )


if __name__ == "__main__":
    main()
