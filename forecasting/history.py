"""Reading the registry into the engine's DataFrames (see forecasting.engine.schema).

History is read in bulk, never row by row through the ORM: PostgreSQL streams it with COPY into
pandas; SQLite through one cursor.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from django.conf import settings
from django.db import connection

from businesses.models import (
    Business,
    DataImport,
    IndicatorRevision,
    MarketIndicator,
    MonthlyRecord,
)
from forecasting.engine import schema

_SATISFACTION = {"low": 0.0, "medium": 1.0, "high": 2.0}


@dataclass
class TrainingData:
    records: pd.DataFrame
    businesses: pd.DataFrame
    indicators: pd.DataFrame
    data_version: int | None
    fingerprint: str
    # The market values by vintage (``known_from``), when pulls or imports left a history.
    indicator_vintages: pd.DataFrame | None = None
    cutoff_lag_days: int = 0

    @property
    def backtest_indicators(self) -> pd.DataFrame:
        """What the backtests read: the values as known at each cut-off when a history exists,
        else the values as currently stored."""
        return self.indicator_vintages if self.indicator_vintages is not None else self.indicators

    def market_data_record(self, measured: dict | None = None) -> dict:
        """The evaluation record's ``market_data``: the engine's counts (``measured``) and the
        rule that decided what was known at a cut-off."""
        return {
            **(measured or {"as_known_at_cutoff": self.indicator_vintages is not None}),
            "known_by": "end_of_cutoff_month_plus_lag",
            "cutoff_lag_days": self.cutoff_lag_days,
            "time_zone": settings.TIME_ZONE,
        }

    def summary(self) -> dict:
        periods = self.records[schema.PERIOD]
        return {
            "businesses": int(self.businesses.shape[0]),
            "records": int(self.records.shape[0]),
            "indicator_values": int(self.indicators.shape[0]),
            "first_month": periods.min().strftime("%Y-%m") if len(periods) else None,
            "last_month": periods.max().strftime("%Y-%m") if len(periods) else None,
        }


def _frame(sql: str, columns: Sequence[str], params: Sequence = ()) -> pd.DataFrame:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and not params:
            buffer = io.BytesIO()
            with cursor.cursor.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)") as copy:
                for block in copy:
                    buffer.write(block)
            buffer.seek(0)
            if not buffer.getbuffer().nbytes:
                return pd.DataFrame(columns=list(columns))
            return pd.read_csv(
                buffer,
                header=None,
                names=list(columns),
                dtype=str,
                keep_default_na=False,
                na_values=[""],
            )
        cursor.execute(sql, params)
        return pd.DataFrame.from_records(cursor.fetchall(), columns=list(columns))


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def records_frame(business_ids: Sequence[int] | None = None) -> pd.DataFrame:
    """Monthly records as the engine's ``records`` frame (optionally for some businesses),
    sorted by business and month: the one reader of the monthly history that the scoring
    snapshot, training, forecasts for unregistered businesses and prediction jobs go through.

    On PostgreSQL the rows arrive packed in binary (:func:`prediction_io.history_frame`, what
    prediction jobs read; several times faster than text), elsewhere through plain SQL."""
    if connection.vendor == "postgresql":
        from forecasting.predictions.io import history_frame

        frame = history_frame(business_ids)
        return frame.sort_values([schema.BUSINESS_ID, schema.PERIOD], ignore_index=True)
    return records_sql(business_ids)


def records_sql(business_ids: Sequence[int] | None = None) -> pd.DataFrame:
    """:func:`records_frame` through plain SQL, on any database."""
    cols = ["business_id", "period", "sales", "costs", "employees", "satisfaction"]
    sql = f"SELECT {', '.join(cols)} FROM {_table(MonthlyRecord)}"  # noqa: S608 - fixed names
    params: list = []
    if business_ids is not None:
        ids = [int(i) for i in business_ids]
        if not ids:
            return _typed_records(pd.DataFrame(columns=cols))
        sql += f" WHERE business_id IN ({', '.join(['%s'] * len(ids))})"
        params = ids
    return _typed_records(_frame(sql, cols, params))


def _typed_records(frame: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame(
        {
            schema.BUSINESS_ID: pd.to_numeric(frame["business_id"]).astype("int64"),
            schema.PERIOD: pd.to_datetime(frame["period"]),
            schema.SALES: pd.to_numeric(frame["sales"], errors="coerce").astype(float),
            schema.COSTS: pd.to_numeric(frame["costs"], errors="coerce").astype(float),
            schema.EMPLOYEES: pd.to_numeric(frame["employees"], errors="coerce").astype(float),
            schema.SATISFACTION: frame["satisfaction"].map(_SATISFACTION).astype(float),
        }
    )
    return out.sort_values([schema.BUSINESS_ID, schema.PERIOD], ignore_index=True)


def businesses_frame(business_ids: Sequence[int] | None = None) -> pd.DataFrame:
    """Static attributes as the engine's ``businesses`` frame."""
    qs = Business.objects.all()
    if business_ids is not None:
        qs = qs.filter(pk__in=list(business_ids))
    rows = qs.values_list(
        "pk",
        "sector__section_id",
        "sector_id",
        "region_id",
        "founded",
        "women_led",
        "sells_online",
    ).order_by("pk")
    frame = pd.DataFrame.from_records(list(rows), columns=schema.BUSINESS_COLUMNS)
    frame[schema.BUSINESS_ID] = frame[schema.BUSINESS_ID].astype("int64")
    frame[schema.FOUNDED] = pd.to_datetime(frame[schema.FOUNDED])
    frame[schema.WOMEN_LED] = frame[schema.WOMEN_LED].astype(bool)
    frame[schema.SELLS_ONLINE] = frame[schema.SELLS_ONLINE].astype(bool)
    return frame


def indicators_frame() -> pd.DataFrame:
    cols = ["sector_id", "region_id", "period", "name", "value"]
    sql = f"SELECT {', '.join(cols)} FROM {_table(MarketIndicator)}"  # noqa: S608
    frame = _frame(sql, cols)
    return pd.DataFrame(
        {
            schema.SECTOR_DIVISION: frame["sector_id"].where(frame["sector_id"].notna(), None),
            schema.REGION_CODE: frame["region_id"].where(frame["region_id"].notna(), None),
            schema.PERIOD: pd.to_datetime(frame["period"]),
            schema.INDICATOR_NAME: frame["name"].astype(str),
            schema.INDICATOR_VALUE: pd.to_numeric(frame["value"]).astype(float),
        }
    )


def _known_from_month(arrived: pd.Series, lag_days: int) -> pd.Series:
    """The first cut-off month at which something received at ``arrived`` (UTC) is known.

    Known at cut-off ``T`` means received by the end of month ``T`` plus ``lag_days``, local
    time: ``arrived <= start of month T+1 + lag``. So the month of ``arrived - lag`` (an arrival
    at exactly midnight of the 1st still counts for the month before).
    """
    local = pd.to_datetime(arrived, utc=True).dt.tz_convert(settings.TIME_ZONE)
    local = local.dt.tz_localize(None) - pd.Timedelta(days=lag_days) - pd.Timedelta(1, "us")
    return local.dt.to_period("M").dt.to_timestamp()


def indicator_vintages_frame(*, lag_days: int = 0) -> pd.DataFrame | None:
    """The market values by vintage: the engine's ``indicators`` frame with ``known_from``
    (see :mod:`forecasting.engine.schema`).

    Each stored value contributes its first value (from its first revision's old value) known
    from when it arrived (pulled, else its data version's creation), then each revision known
    from when it was made; the last vintage is the value as stored. A value received with the
    first values of its series (the series' first pull or import: a backfill of years) has no
    earlier state to go back to and counts as known at every cut-off; only what arrived later,
    and revisions, carry a ``known_from``. None when nothing does (manual imports of whole
    series, demo data): the values as stored are all there is.
    """
    cols = ["id", "sector_id", "region_id", "period", "name", "value", "pulled_at", "created_at"]
    ind_table, imp_table = _table(MarketIndicator), _table(DataImport)
    sql = (
        f"SELECT i.id, i.sector_id, i.region_id, i.period, i.name, i.value, i.pulled_at, "  # noqa: S608
        f"d.created_at FROM {ind_table} i LEFT JOIN {imp_table} d ON d.id = i.source_import_id"
    )
    ind = _frame(sql, cols)
    if ind.empty:
        return None
    ind["id"] = pd.to_numeric(ind["id"]).astype("int64")
    ind["value"] = pd.to_numeric(ind["value"]).astype(float)
    ind["arrived"] = pd.to_datetime(ind["pulled_at"], utc=True, format="mixed").fillna(
        pd.to_datetime(ind["created_at"], utc=True, format="mixed")
    )
    revisions = pd.DataFrame.from_records(
        list(
            IndicatorRevision.objects.order_by("indicator_id", "revised_at", "pk").values_list(
                "indicator_id", "old_value", "new_value", "revised_at", "old_pulled_at",
                "old_import__created_at",
            )
        ),
        columns=["id", "old_value", "new_value", "revised_at", "old_pulled_at", "old_created"],
    )  # fmt: skip
    revisions = revisions[revisions["id"].isin(ind["id"])]
    first = ind[["id", "value", "arrived"]].copy()
    if len(revisions):
        first_rev = revisions.drop_duplicates("id", keep="first").set_index("id")
        revised = first["id"].isin(first_rev.index)
        ids = first["id"]
        first["value"] = first["value"].where(~revised, ids.map(first_rev["old_value"]))
        old_arrival = pd.to_datetime(ids.map(first_rev["old_pulled_at"]), utc=True).fillna(
            pd.to_datetime(ids.map(first_rev["old_created"]), utc=True)
        )
        first["arrived"] = first["arrived"].where(~revised, old_arrival)
    first["known_from"] = _known_from_month(first["arrived"], lag_days)
    first["step"] = 0
    # The first values of a series (its first pull or import) stand for every earlier cut-off.
    key = ind[["sector_id", "region_id", "name"]].astype(object).fillna("*").astype(str)
    first["series"] = (key["sector_id"] + "|" + key["region_id"] + "|" + key["name"]).to_numpy()
    start = first.groupby("series")["known_from"].transform("min")
    first.loc[first["known_from"] <= start, "known_from"] = pd.NaT
    parts = [first[["id", "value", "known_from", "step"]]]
    if len(revisions):
        later = pd.DataFrame(
            {
                "id": revisions["id"].to_numpy(),
                "value": revisions["new_value"].to_numpy(float),
                "known_from": _known_from_month(revisions["revised_at"], lag_days).to_numpy(),
                "step": revisions.groupby("id").cumcount().to_numpy() + 1,
            }
        )
        # the last vintage is the value as stored (an edit outside the importers kept no revision)
        last = ~later["id"].duplicated(keep="last")
        later.loc[last, "value"] = later.loc[last, "id"].map(ind.set_index("id")["value"])
        parts.append(later)
    if len(parts) == 1 and not first["known_from"].notna().any():
        return None
    vintages = pd.concat(parts, ignore_index=True)
    vintages = vintages.sort_values(["id", "step"], kind="stable").merge(
        ind[["id", "sector_id", "region_id", "period", "name"]], on="id", how="left", sort=False
    )
    sector, region = vintages["sector_id"], vintages["region_id"]
    return pd.DataFrame(
        {
            schema.SECTOR_DIVISION: sector.where(sector.notna(), None),
            schema.REGION_CODE: region.where(region.notna(), None),
            schema.PERIOD: pd.to_datetime(vintages["period"]),
            schema.INDICATOR_NAME: vintages["name"].astype(str),
            schema.INDICATOR_VALUE: pd.to_numeric(vintages["value"]).astype(float),
            schema.INDICATOR_KNOWN_FROM: pd.to_datetime(vintages["known_from"]),
        }
    )


def data_fingerprint(records: pd.DataFrame) -> str:
    """A digest of the records' content: equal data, equal fingerprint."""
    hashed = pd.util.hash_pandas_object(records, index=False).to_numpy()
    return hashlib.sha256(np.sort(hashed).tobytes()).hexdigest()


def training_data() -> TrainingData:
    """Everything the engine trains on, with the data version and fingerprint it represents."""
    records = records_frame()
    lag_days = int(getattr(settings, "MARKET_DATA_CUTOFF_LAG_DAYS", 0))
    vintages = indicator_vintages_frame(lag_days=lag_days)
    last_import = (
        DataImport.objects.filter(status=DataImport.Status.SUCCEEDED)
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
    )
    return TrainingData(
        records=records,
        businesses=businesses_frame(),
        indicators=indicators_frame(),
        data_version=last_import,
        fingerprint=data_fingerprint(records),
        indicator_vintages=vintages,
        cutoff_lag_days=lag_days,
    )
