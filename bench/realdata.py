"""The product on the real development set, side by side with the public peers (issue 17).

From clean throwaway SQLite databases, with the product's own commands only:

* ``forecast/``: ``import_data businesses`` and ``import_data monthly``, ``train --kind all
  --promote``, ``score --all --workers 1`` at the cut-off (the last imported month; h = 1..6);
  the ``mean`` (and the p10-p90 band) of the score file against ``truth.csv.gz``.
* ``growth/``: the same import and training on the earlier history, ``score`` at its cut-off;
  the ``growth_probability`` of the score file against ``labels.csv.gz``.
* The peers: ``../shared/acceptance/peers/realdata_peers.py`` in its own virtual environment
  (built by ``peers/venv.sh`` when missing); every peer gets exactly the files imported here.

Metrics as the peers script computes them: RMSE per horizon over every truth row, forecasts and
truth clipped to 0-20 for scoring only, a series without a forecast counting 0; p10-p90 coverage
on the same (unclipped) rows; per-segment RMSE at h = 1 (PROVENANCE.md's definitions at the
cut-off: short = fewer than 12 months with a record, intermittent = at least 20 % zero months
among the recorded months of the last 24, spiky = a month above 5 x the series' median month
with sales); growth ROC-AUC, PR-AUC (average precision), Brier score and expected calibration
error (10 equal-width bins).

Prints ONE JSON line: ``{"series", "cutoff", "product": {"rmse": {"1".."6"}, "rmse_mean_1_6",
"coverage_p10_p90", "segments": {...}, "growth": {...}}, "peers": {...}, "best_peer": {...},
"ratio_rmse_1", "ratio_rmse_mean_1_6", "seconds": {"import", "train", "score", "peers"}}``.

Environment: ``BENCH_REALDATA`` (default /work/shared/data/realdata-dev), ``PEERS_VENV``
(default /tmp/asesor-peers-venv), ``BENCH_PEERS_JSON`` (a file with the peers' JSON line from
an earlier run, to skip running them: development only; the acceptance check runs them itself).
Run from the repository root: ``.venv/bin/python bench/realdata.py``.
"""

import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("BENCH_REALDATA", "/work/shared/data/realdata-dev"))
PEERS = Path(os.environ.get("BENCH_PEERS_DIR", "/work/shared/acceptance/peers"))
PEERS_VENV = Path(os.environ.get("PEERS_VENV", "/tmp/asesor-peers-venv"))
H = 6
CLIP = (0.0, 20.0)


def manage(env: dict, *args: str) -> str:
    """Run one ``manage.py`` command of the product; its stdout, or exit with its error."""
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if done.returncode:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        sys.exit(f"manage.py {' '.join(args)} failed: {' | '.join(tail)}")
    return done.stdout


def product_run(folder: Path, work: Path) -> tuple[pd.DataFrame, dict]:
    """Import, train and score one folder in its own database; the score file and the seconds."""
    work.mkdir(parents=True)
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{work / 'db.sqlite3'}",
        "ASESOR_DATA_DIR": str(work / "var"),
        "OMP_NUM_THREADS": "1",
        "CELERY_BROKER_URL": "",
        "REDIS_URL": "",
    }
    manage(env, "migrate", "-v0")
    seconds = {}
    started = time.perf_counter()
    for kind in ("businesses", "monthly"):
        plain = work / f"{kind}.csv"
        with gzip.open(folder / f"{kind}.csv.gz", "rb") as src, open(plain, "wb") as dst:
            shutil.copyfileobj(src, dst)
        manage(env, "import_data", kind, str(plain))
    seconds["import"] = time.perf_counter() - started
    started = time.perf_counter()
    manage(env, "train", "--kind", "all", "--promote", "-v0")
    seconds["train"] = time.perf_counter() - started
    started = time.perf_counter()
    out = work / "scores.csv"
    manage(env, "score", "--all", "--workers", "1", "--out", str(out), "-v0")
    seconds["score"] = time.perf_counter() - started
    return pd.read_csv(out, dtype={"ruc": str, "period": str}), seconds


def history_segments(folder: Path) -> pd.DataFrame:
    """PROVENANCE.md's short / intermittent / spiky flags per series at the folder's cut-off."""
    monthly = pd.read_csv(folder / "monthly.csv.gz", dtype={"ruc": str, "period": str})
    wide = monthly.pivot(index="ruc", columns="period", values="sales").sort_index(axis=1)
    y = wide.to_numpy(dtype=float)
    recorded = ~np.isnan(y)
    last24, rec24 = y[:, -24:], recorded[:, -24:]
    zero_share = ((last24 == 0) & rec24).sum(axis=1) / np.maximum(rec24.sum(axis=1), 1)
    with np.errstate(all="ignore"):
        median_positive = np.nanmedian(np.where(y > 0, y, np.nan), axis=1)
        spiky = np.nanmax(y, axis=1) > 5 * median_positive
    return pd.DataFrame(
        {
            "ruc": wide.index,
            "short": recorded.sum(axis=1) < 12,
            "intermittent": zero_share >= 0.2,
            "spiky": np.nan_to_num(spiky, nan=0).astype(bool),
        }
    )


def clipped_rmse(pred: np.ndarray, truth: np.ndarray) -> float:
    p, y = np.clip(pred, *CLIP), np.clip(truth, *CLIP)
    return float(np.sqrt(np.mean((p - y) ** 2))) if len(y) else float("nan")


def forecast_metrics(scores: pd.DataFrame, folder: Path) -> dict:
    truth = pd.read_csv(folder / "truth.csv.gz", dtype={"ruc": str, "period": str})
    truth = truth[truth["horizon"] <= H]
    rows = truth.merge(
        scores[["ruc", "horizon", "mean", "p10", "p90"]], on=["ruc", "horizon"], how="left"
    )
    missing = int(rows["mean"].isna().sum())
    rows[["mean", "p10", "p90"]] = rows[["mean", "p10", "p90"]].fillna(0.0)
    rows = rows.merge(history_segments(folder), on="ruc", how="left")
    cnt = rows["cnt"].to_numpy(dtype=float)
    rmse = {
        str(h): round(clipped_rmse(rows["mean"][sel], cnt[sel]), 4)
        for h in range(1, H + 1)
        for sel in [(rows["horizon"] == h).to_numpy()]
    }
    h1 = (rows["horizon"] == 1).to_numpy()
    segments = {}
    for name in ("short", "intermittent", "spiky"):
        sel = h1 & rows[name].fillna(False).to_numpy(dtype=bool)
        segments[name] = {
            "rmse_1": round(clipped_rmse(rows["mean"][sel], cnt[sel]), 4),
            "series": int(sel.sum()),
        }
    inside = (cnt >= rows["p10"].to_numpy()) & (cnt <= rows["p90"].to_numpy())
    coherent = (rows["p10"] <= rows["mean"] + 1e-6) & (rows["mean"] <= rows["p90"] + 1e-6)
    return {
        "rmse": rmse,
        "rmse_mean_1_6": round(float(np.mean(list(rmse.values()))), 4),
        "coverage_p10_p90": round(float(inside.mean()), 4),
        "segments": segments,
        "rows_without_forecast": missing,
        "rows_mean_outside_band": int((~coherent).sum()),
    }


def ece(y: np.ndarray, p: np.ndarray, bins: int = 10) -> float:
    """Expected calibration error as the peers script computes it (10 equal-width bins)."""
    b = np.minimum((p * bins).astype(int), bins - 1)
    return float(
        sum(
            abs(y[b == k].mean() - p[b == k].mean()) * (b == k).mean()
            for k in range(bins)
            if (b == k).any()
        )
    )


def growth_metrics(scores: pd.DataFrame, folder: Path) -> dict:
    labels = pd.read_csv(folder / "labels.csv.gz", dtype={"ruc": str})
    prob = scores.drop_duplicates("ruc").set_index("ruc")["growth_probability"]
    p = prob.reindex(labels["ruc"]).to_numpy(dtype=float)
    missing = int(np.isnan(p).sum())
    p = np.nan_to_num(p, nan=float(np.nanmean(p)))
    y = labels["label"].to_numpy(dtype=int)
    return {
        "roc_auc": round(float(roc_auc_score(y, p)), 4),
        "pr_auc": round(float(average_precision_score(y, p)), 4),
        "brier": round(float(brier_score_loss(y, p)), 4),
        "ece": round(ece(y, p), 4),
        "labelled": len(y),
        "label_rate": round(float(y.mean()), 4),
        "mean_probability": round(float(p.mean()), 4),
        "rows_without_probability": missing,
    }


def peers_run() -> tuple[dict, float]:
    started = time.perf_counter()
    cached = os.environ.get("BENCH_PEERS_JSON")
    if cached:
        text = Path(cached).read_text()
    else:
        built = subprocess.run(["bash", str(PEERS / "venv.sh")], capture_output=True, text=True)
        if built.returncode:
            sys.exit(f"the peers' venv cannot be built: {built.stderr.strip()[-300:]}")
        done = subprocess.run(
            [str(PEERS_VENV / "bin" / "python"), str(PEERS / "realdata_peers.py"), str(DATA)],
            capture_output=True,
            text=True,
        )
        if done.returncode:
            sys.exit(f"the peers failed: {done.stderr.strip()[-300:]}")
        text = done.stdout
    line = [ln for ln in text.strip().splitlines() if ln.startswith("{")][-1]
    return json.loads(line), time.perf_counter() - started


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="asesor-realdata-"))
    try:
        scores_f, sec_f = product_run(DATA / "forecast", work / "forecast")
        scores_g, sec_g = product_run(DATA / "growth", work / "growth")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    product = forecast_metrics(scores_f, DATA / "forecast")
    product["growth"] = growth_metrics(scores_g, DATA / "growth")
    peers, peer_seconds = peers_run()
    best = peers["forecast"]["best"]
    growth_refs = peers["growth"]
    monthly = pd.read_csv(DATA / "forecast" / "monthly.csv.gz", dtype={"period": str})
    out = {
        "series": int(scores_f["ruc"].nunique()),
        "cutoff": str(monthly["period"].max()),
        "product": product,
        "peers": peers,
        "best_peer": {
            "name": best["name"],
            "rmse_1": best["rmse_1"],
            "name_rmse_1": best["name_rmse_1"],
            "rmse_mean_1_6": best["rmse_mean_1_6"],
        },
        "best_growth_reference": {
            "name": growth_refs["best_ref"],
            "roc_auc": growth_refs["best_auc"],
            "ece_best_calibrated": min(r["ece"] for r in growth_refs["refs"].values()),
        },
        "ratio_rmse_1": round(product["rmse"]["1"] / best["rmse_1"], 4),
        "ratio_rmse_mean_1_6": round(product["rmse_mean_1_6"] / best["rmse_mean_1_6"], 4),
        "seconds": {
            "import": round(sec_f["import"] + sec_g["import"], 1),
            "train": round(sec_f["train"] + sec_g["train"], 1),
            "score": round(sec_f["score"] + sec_g["score"], 1),
            "peers": round(peer_seconds, 1),
            "by_folder": {
                "forecast": {k: round(v, 1) for k, v in sec_f.items()},
                "growth": {k: round(v, 1) for k, v in sec_g.items()},
            },
        },
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
