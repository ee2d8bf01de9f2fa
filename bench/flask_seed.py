"""The seed's way of serving, for bench/api.py to compare with: a bare Flask app that unpickles
the forecaster with joblib at start and, per request, predicts from a JSON list of feature rows
(lists of numbers in a fixed column order, computed by the client).

Configured by environment: SEED_MODEL (the joblib file) and SEED_COLUMNS (a JSON list of the
columns of each row). Only the benchmark runs it; it is not part of the product.
"""

import json
import os

import joblib
import pandas as pd
from flask import Flask, jsonify, request

app = Flask(__name__)
forecaster = joblib.load(os.environ["SEED_MODEL"])
with open(os.environ["SEED_COLUMNS"]) as handle:
    COLUMNS = json.load(handle)
CATEGORICAL = ["sector_section", "sector_division", "region_code"]
NUMERIC = [c for c in COLUMNS if c not in ("cutoff", *CATEGORICAL)]


@app.post("/predict")
def predict():
    rows = request.get_json()
    frame = pd.DataFrame(rows, columns=COLUMNS)
    frame["cutoff"] = pd.to_datetime(frame["cutoff"])
    for col in CATEGORICAL:
        frame[col] = frame[col].astype("category")
    frame[NUMERIC] = frame[NUMERIC].astype(float)  # a column of nulls would be "object"
    out = forecaster.predict(None, features=frame)
    return jsonify(out[["business_id", "horizon", "mean", "p10", "p50", "p90"]].to_dict("records"))
