"""Fast bulk writes for seeding and scoring: PostgreSQL's COPY where available, else
executemany in batches. Rows are tuples in the order of ``columns``; no model instances."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import islice

from django.db import connection, models

BATCH = 20_000


def bulk_insert_rows(
    model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence]
) -> int:
    """Insert ``rows`` into ``model``'s table; returns how many were written.

    ``columns`` are database column names (``business_id``, not ``business``). The caller
    owns the transaction and the validation: this is the loading path for data that is valid
    by construction (the demo generator, the engine's outputs).
    """
    table = model._meta.db_table
    qn = connection.ops.quote_name
    cols = ", ".join(qn(c) for c in columns)
    written = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {qn(table)} ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    written += 1
            return written
        marks = ", ".join(["%s"] * len(columns))
        sql = f"INSERT INTO {qn(table)} ({cols}) VALUES ({marks})"  # noqa: S608 - model's names
        iterator = iter(rows)
        while batch := list(islice(iterator, BATCH)):
            cursor.executemany(sql, batch)
            written += len(batch)
    return written
