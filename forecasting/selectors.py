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
from django.db import connection

from businesses.models import Business, DataImport, MarketIndicator, MonthlyRecord
from forecasting.engine import schema

_SATISFACTION = {"low": 0.0, "medium": 1.0, "high": 2.0}


@dataclass
class TrainingData:
    records: pd.DataFrame
    businesses: pd.DataFrame
    indicators: pd.DataFrame
    data_version: int | None
    fingerprint: str

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
    """Monthly records as the engine's ``records`` frame (optionally for some businesses)."""
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


def data_fingerprint(records: pd.DataFrame) -> str:
    """A digest of the records' content: equal data, equal fingerprint."""
    hashed = pd.util.hash_pandas_object(records, index=False).to_numpy()
    return hashlib.sha256(np.sort(hashed).tobytes()).hexdigest()


def training_data() -> TrainingData:
    """Everything the engine trains on, with the data version and fingerprint it represents."""
    records = records_frame()
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
    )
