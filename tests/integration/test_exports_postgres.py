"""Exports on PostgreSQL: chunked server-side reads (``iterator``), the advice export's
prefetch in chunks, the scope as a subquery, and the audit entry in the same database."""

import csv
import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from businesses.exports import export_write
from core.models import AuditEntry
from forecasting.models import Advice, Recommendation
from tests.factories import BusinessFactory, MonthlyRecordFactory

pytestmark = pytest.mark.django_db


def test_exports_read_in_chunks_and_stay_in_scope_on_postgres(advisor, other_advisor, monkeypatch):
    monkeypatch.setattr("businesses.exports.CHUNK", 3)  # several server-side fetches
    mine = [BusinessFactory(advisor=advisor) for _ in range(4)]
    BusinessFactory(advisor=other_advisor)
    for b in mine:
        for month in range(1, 4):
            MonthlyRecordFactory(business=b, period=dt.date(2024, month, 1))
        advice = Advice.objects.create(business=b, status="ready")
        Recommendation.objects.create(advice=advice, code="go_online", title="t", rationale="=r")
    out = io.BytesIO()
    assert export_write(kind="monthly", fmt="csv", out=out, user=advisor) == 12
    rows = list(csv.reader(io.StringIO(out.getvalue().decode().lstrip("\ufeff"))))
    assert {r[0] for r in rows[1:]} == {b.ruc for b in mine}
    out = io.BytesIO()
    assert export_write(kind="advice", fmt="xlsx", out=out, user=advisor) == 4
    sheet = load_workbook(io.BytesIO(out.getvalue())).active
    assert {r[14] for r in sheet.iter_rows(min_row=2, values_only=True)} == {"'=r"}
    assert AuditEntry.objects.filter(action="export", actor=advisor).count() == 2
