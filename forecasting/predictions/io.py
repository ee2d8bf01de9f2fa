"""Bulk reads and writes of prediction jobs: a chunk's history in, its results out.

On PostgreSQL both directions move fixed-width binary rows (unknowns as -1 or NaN): a chunk's
history arrives as one ``bytea`` that PostgreSQL packs and NumPy reads in place (fetched in
binary: as text it crossed the wire hex-encoded, twice its size, encoded by the server and
decoded by the client), and its results leave as one binary COPY stream that NumPy writes — no
per-row Python, no text formatting or parsing of numbers (which is where the time went with CSV
COPY). SQLite (the unit tier, a single
machine) reads through :func:`forecasting.history.records_sql` and writes with
``executemany``.
"""

from __future__ import annotations

import datetime as dt
import struct
from collections.abc import Sequence
from itertools import pairwise

import numpy as np
import pandas as pd
from django.db import connection

from businesses.models import Business, MonthlyRecord, Sector
from forecasting.engine import schema
from forecasting.history import businesses_frame, records_sql
from forecasting.models import FORECAST_HORIZONS, FORECAST_STATISTICS, PredictionResult

_PG_EPOCH_DAYS = np.datetime64("2000-01-01", "D")
_PG_EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
_COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)
_COPY_TRAILER = struct.pack(">h", -1)

# Each history row, packed by PostgreSQL into fixed-width big-endian binary: amounts as cents
# (numeric to integer is exact and far cheaper than numeric to float8), -1 for unknown. Every
# function per row costs (600,000 rows a chunk): the period is the date's own binary form (days
# since 2000-01-01), the satisfaction the code of its first letter (0 for blank), which NumPy
# maps to the engine's levels — a CASE over three strings cost a tenth of the read.
_HISTORY_PACKED = {
    "business_id": ("int8send(business_id)", ">i8"),
    "period": ("date_send(period)", ">i4"),
    "sales": ("int8send((sales * 100)::int8)", ">i8"),
    "costs": ("int8send(COALESCE((costs * 100)::int8, -1))", ">i8"),
    "employees": ("int4send(COALESCE(employees, -1))", ">i4"),
    "satisfaction": ("int4send(ascii(satisfaction))", ">i4"),
}
# the first letters of the satisfaction levels tell them apart: low, medium, high
_SATISFACTION_BY_LETTER = {
    ord(name[0]): value for name, value in schema.SATISFACTION_LEVELS.items()
}
if len(_SATISFACTION_BY_LETTER) != len(schema.SATISFACTION_LEVELS):  # pragma: no cover
    raise ImportError("two satisfaction levels share a first letter: the history read needs them")


def _row_dtype(columns: Sequence[tuple[str, str]]) -> np.dtype:
    """The binary COPY layout of a row of fixed-width, non-null fields."""
    fields: list[tuple[str, str]] = [("_n", ">i2")]
    for name, kind in columns:
        fields += [(f"_{name}_len", ">i4"), (name, kind)]
    return np.dtype(fields)


def _ids_condition(column: str, ids: list[int]) -> tuple[str, list]:
    """``column`` among ``ids``: a range when the ids are consecutive (a job's chunk of a
    panel numbered without gaps, the usual case), which the index reads as one scan instead of
    one descent per id; otherwise the list, as ``bigint[]``."""
    if ids and ids[-1] - ids[0] + 1 == len(ids) and all(b - a == 1 for a, b in pairwise(ids)):
        return f"{column} BETWEEN %s AND %s", [ids[0], ids[-1]]
    return f"{column} = ANY(%s::bigint[])", [ids]


def _packed_rows(sql_from: str, params: Sequence, columns: Sequence[str]) -> np.ndarray:
    """Rows of ``SELECT … {sql_from}`` as one NumPy structured array.

    PostgreSQL concatenates every row's binary fields into a single ``bytea`` (``string_agg``):
    one value crosses the wire and NumPy reads it in place. COPY would send one message per
    row, and handling 400,000 messages in Python costs seconds.
    """
    packed = " || ".join(_HISTORY_PACKED[c][0] for c in columns)
    dtype = np.dtype([(c, _HISTORY_PACKED[c][1]) for c in columns])
    data = _fetch_binary(f"SELECT string_agg({packed}, ''::bytea) {sql_from}", params)
    return np.frombuffer(data or b"", dtype=dtype)


def _fetch_binary(sql: str, params: Sequence):
    """The one value of ``sql``, received in binary (a ``bytea`` arrives as its bytes).

    Django's cursors bind on the client, which psycopg allows only with text results; this
    one is psycopg's plain cursor on the same connection (same transaction), never prepared
    (safe behind PgBouncer in transaction pooling, README "Scaling")."""
    import psycopg

    connection.ensure_connection()
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(sql, params, binary=True, prepare=False)
        return cursor.fetchone()[0]


def history_frame(
    business_ids: Sequence[int] | None,
    *,
    columns: str = "all",
    since: dt.date | None = None,
    id_range: tuple[int, int] | None = None,
) -> pd.DataFrame:
    """Monthly records of these businesses (``None``: all) as the engine's ``records`` frame.

    ``columns="sales"`` reads only what the group statistics need (business, period, sales);
    ``since`` leaves out earlier months; ``id_range`` (first, last) reads a range of business
    ids instead of a list (a plain range scan for a part of the whole panel).
    """
    ids = None if business_ids is None else [int(i) for i in business_ids]
    if connection.vendor != "postgresql":
        frame = records_sql(ids)
        if id_range is not None:
            ids_col = frame[schema.BUSINESS_ID]
            frame = frame[(ids_col >= id_range[0]) & (ids_col <= id_range[1])]
        if since is not None:
            frame = frame[frame[schema.PERIOD] >= pd.Timestamp(since)].reset_index(drop=True)
        if columns == "sales":
            return frame[[schema.BUSINESS_ID, schema.PERIOD, schema.SALES]]
        return frame
    wanted = ["business_id", "period", "sales"]
    if columns != "sales":
        wanted += ["costs", "employees", "satisfaction"]
    table = connection.ops.quote_name(MonthlyRecord._meta.db_table)
    where, params = [], []
    if ids is not None:
        condition, values = _ids_condition("business_id", ids)
        where.append(condition)
        params += values
    if id_range is not None:
        where.append("business_id BETWEEN %s AND %s")
        params += [int(id_range[0]), int(id_range[1])]
    if since is not None:
        where.append("period >= %s")
        params.append(since)
    sql_from = f"FROM {table}"
    if where:
        sql_from += " WHERE " + " AND ".join(where)
    rows = _packed_rows(sql_from, params, wanted)
    out = {
        schema.BUSINESS_ID: rows["business_id"].astype(np.int64),
        schema.PERIOD: (_PG_EPOCH_DAYS + rows["period"].astype("timedelta64[D]")).astype(
            "datetime64[ns]"
        ),
        schema.SALES: rows["sales"] / 100.0,
    }
    if columns != "sales":
        costs = rows["costs"].astype(np.float64)
        out[schema.COSTS] = np.where(costs < 0, np.nan, costs / 100.0)
        employees = rows["employees"].astype(np.float64)
        out[schema.EMPLOYEES] = np.where(employees < 0, np.nan, employees)
        satisfaction = np.full(len(rows), np.nan)
        letters = rows["satisfaction"]
        for letter, level in _SATISFACTION_BY_LETTER.items():
            satisfaction[letters == letter] = level
        out[schema.SATISFACTION] = satisfaction
    return pd.DataFrame(out)


def businesses_static(
    business_ids: Sequence[int] | None, *, id_range: tuple[int, int] | None = None
) -> pd.DataFrame:
    """The engine's ``businesses`` frame (static attributes), in one plain query."""
    if connection.vendor != "postgresql":
        frame = businesses_frame(business_ids)
        if id_range is not None:
            ids_col = frame[schema.BUSINESS_ID]
            frame = frame[(ids_col >= id_range[0]) & (ids_col <= id_range[1])]
        return frame.reset_index(drop=True)
    qn = connection.ops.quote_name
    business, sector = qn(Business._meta.db_table), qn(Sector._meta.db_table)
    sql = (
        "SELECT b.id, s.section_id, b.sector_id, b.region_id, b.founded, b.women_led,"  # noqa: S608
        f" b.sells_online FROM {business} b JOIN {sector} s ON s.code = b.sector_id"
    )
    params: list = []
    if business_ids is not None:
        condition, params = _ids_condition("b.id", [int(i) for i in business_ids])
        sql += " WHERE " + condition
    elif id_range is not None:
        sql += " WHERE b.id BETWEEN %s AND %s"
        params += [int(id_range[0]), int(id_range[1])]
    with connection.cursor() as cursor:
        cursor.execute(sql + " ORDER BY b.id", params)
        rows = cursor.fetchall()
    frame = pd.DataFrame.from_records(rows, columns=schema.BUSINESS_COLUMNS)
    frame[schema.BUSINESS_ID] = frame[schema.BUSINESS_ID].astype("int64")
    frame[schema.FOUNDED] = pd.to_datetime(frame[schema.FOUNDED])
    frame[schema.WOMEN_LED] = frame[schema.WOMEN_LED].astype(bool)
    frame[schema.SELLS_ONLINE] = frame[schema.SELLS_ONLINE].astype(bool)
    return frame


def results_delete(*, job_id: int, business_ids: Sequence[int]) -> None:
    """Remove a chunk's earlier results (a re-run replaces them), in one statement."""
    ids = [int(i) for i in business_ids]
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(PredictionResult._meta.db_table)
        # The list arrives as int4[]: against the bigint column PostgreSQL then tests each of
        # the job's rows against the whole list in turn (8 s per chunk once a 100k job has
        # most of its rows); as bigint[] it hashes the list (70 ms).
        with connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {table} WHERE job_id = %s AND business_id = ANY(%s::bigint[])",  # noqa: S608
                [job_id, ids],
            )
        return
    for start in range(0, len(ids), 5000):  # SQLite's limit on query parameters
        part = ids[start : start + 5000]
        PredictionResult.objects.filter(job_id=job_id, business_id__in=part).delete()


RESULT_FIXED = (
    ("job_id", ">i8"),
    ("business_id", ">i8"),
    ("cutoff", ">i4"),
    ("forecaster_version_id", ">i8"),
    ("growth_version_id", ">i8"),
    ("growth_probability", ">f8"),
    ("months_observed", ">i2"),
    ("short_history", "u1"),
    ("intermittent", "u1"),
    ("stale", "u1"),
    ("months_silent", ">i2"),
    ("computed_at", ">i8"),
)
RESULT_FORECAST = tuple(
    (PredictionResult.forecast_field(stat, h), ">f8")
    for h in FORECAST_HORIZONS
    for stat in FORECAST_STATISTICS
)
RESULT_DISAGREE = tuple((PredictionResult.disagree_field(h), "u1") for h in FORECAST_HORIZONS)


def copy_binary_rows(cursor, table: str, columns: Sequence[tuple[str, str]], values) -> None:
    """``values`` (column name → array, all of one length, fixed-width ``columns`` kinds, no
    nulls) into ``table`` as one binary COPY stream that NumPy writes: no per-row Python."""
    n = len(values[columns[0][0]])
    rows = np.zeros(n, dtype=_row_dtype(columns))
    rows["_n"] = len(columns)
    for name, kind in columns:
        rows[f"_{name}_len"] = np.dtype(kind).itemsize
        rows[name] = values[name]
    names = ", ".join(connection.ops.quote_name(name) for name, _ in columns)
    statement = f"COPY {table} ({names}) FROM STDIN (FORMAT BINARY)"
    with cursor.cursor.copy(statement) as copy:
        copy.write(_COPY_HEADER + rows.tobytes() + _COPY_TRAILER)


def results_write(
    *,
    job_id: int,
    cutoff: dt.date,
    forecaster_version_id: int | None,
    growth_version_id: int | None,
    computed_at: dt.datetime,
    business_ids: np.ndarray,
    growth_probability: np.ndarray,
    months_observed: np.ndarray,
    intermittent: np.ndarray,
    forecasts: dict[str, np.ndarray],
    stale: np.ndarray | None = None,
    months_silent: np.ndarray | None = None,
    models_disagree: dict[str, np.ndarray] | None = None,
) -> int:
    """Insert one chunk's results (the caller deletes the chunk's previous rows first, in the
    same transaction). ``forecasts`` maps ``mean_h1`` … ``p90_h6`` to arrays aligned with
    ``business_ids`` (NaN where withheld: stored as null), ``models_disagree`` maps
    ``models_disagree_h1`` … to boolean arrays, ``stale`` flags businesses without recent data.
    Returns the number of rows written."""
    n = len(business_ids)
    if not n:
        return 0
    stale = np.zeros(n, dtype=bool) if stale is None else np.asarray(stale, dtype=bool)
    models_disagree = models_disagree or {}
    months = np.nan_to_num(np.asarray(months_observed, dtype=float)).astype(np.int64)
    values = {
        "job_id": np.full(n, job_id),
        "business_id": np.asarray(business_ids, dtype=np.int64),
        "cutoff": np.full(n, (np.datetime64(cutoff, "D") - _PG_EPOCH_DAYS).astype(np.int64)),
        "forecaster_version_id": np.full(n, forecaster_version_id or 0),
        "growth_version_id": np.full(n, growth_version_id or 0),
        "growth_probability": np.asarray(growth_probability, dtype=float),
        "months_observed": np.clip(months, 0, 32767),
        "short_history": (months < 12).astype(np.uint8),
        "intermittent": np.asarray(intermittent, dtype=bool).astype(np.uint8),
        "stale": stale.astype(np.uint8),
        "months_silent": np.clip(
            np.nan_to_num(
                np.zeros(n) if months_silent is None else np.asarray(months_silent, float)
            ),
            0,
            32767,
        ).astype(np.int64),
        "computed_at": np.full(n, (computed_at - _PG_EPOCH) // dt.timedelta(microseconds=1)),
        **{name: np.asarray(forecasts[name], dtype=float) for name, _ in RESULT_FORECAST},
        **{
            name: np.asarray(models_disagree.get(name, np.zeros(n)), dtype=bool).astype(np.uint8)
            for name, _ in RESULT_DISAGREE
        },
    }
    columns = [*RESULT_FIXED, *RESULT_FORECAST, *RESULT_DISAGREE]
    table = connection.ops.quote_name(PredictionResult._meta.db_table)
    names = ", ".join(connection.ops.quote_name(name) for name, _ in columns)
    if connection.vendor == "postgresql" and forecaster_version_id and growth_version_id:
        with connection.cursor() as cursor:
            copy_binary_rows(cursor, table, columns, values)
            # binary COPY rows are fixed-width (no nulls): what is withheld becomes null here
            _withheld_to_null(cursor, table, job_id, np.asarray(business_ids)[stale])
        return n
    as_python = {
        "cutoff": [cutoff] * n,
        "computed_at": [computed_at] * n,
        "forecaster_version_id": [forecaster_version_id] * n,
        "growth_version_id": [growth_version_id] * n,
        "short_history": (months < 12).tolist(),
        "intermittent": np.asarray(intermittent, dtype=bool).tolist(),
        "stale": stale.tolist(),
        **{name: values[name].astype(bool).tolist() for name, _ in RESULT_DISAGREE},
    }
    series = [
        as_python[name] if name in as_python else _nullable(values[name]) for name, _ in columns
    ]
    marks = ", ".join(["%s"] * len(columns))
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} ({names}) VALUES ({marks})",  # noqa: S608 - model's names
            list(zip(*series, strict=True)),
        )
    return n


def _nullable(values: np.ndarray) -> list:
    """Plain Python values, None where a float is unknown (NaN)."""
    if values.dtype.kind == "f":
        return [None if v != v else v for v in values.tolist()]
    return values.tolist()


def _withheld_to_null(cursor, table: str, job_id: int, business_ids: np.ndarray) -> None:
    """The figures of businesses whose forecast is withheld, as null (one statement)."""
    if not len(business_ids):
        return
    nulls = ", ".join(
        f"{connection.ops.quote_name(name)} = NULL"
        for name in ("growth_probability", *(name for name, _ in RESULT_FORECAST))
    )
    cursor.execute(
        f"UPDATE {table} SET {nulls} WHERE job_id = %s AND business_id = ANY(%s::bigint[])",  # noqa: S608
        [job_id, [int(i) for i in business_ids]],
    )
