"""Data entering through a file import and through the partner API on PostgreSQL: atomic,
idempotent, scoped."""

import pytest
from django.core.cache import cache
from django.core.management import call_command
from rest_framework.test import APIClient

from businesses.models import MonthlyRecord
from businesses.partners import (
    partner_api_key_issue,
    partner_create,
    partner_grant_business,
)
from tests.factories import BusinessFactory

pytestmark = pytest.mark.django_db


def test_a_monthly_file_imports_once_on_postgres(tmp_path):
    business = BusinessFactory()
    path = tmp_path / "ventas.csv"
    path.write_bytes(
        (
            "ruc;periodo;ventas;costos;empleados;satisfaccion_cliente\n"
            f"{business.ruc};2019-01;1.234,50;800,00;3;alta\n"
            f"{business.ruc};02/2019;2.000,00;;;\n"
            "12345678901;2019-01;10,00;;;\n"
        ).encode("cp1252")
    )
    call_command("import_data", "monthly", str(path), verbosity=0)
    assert MonthlyRecord.objects.filter(business=business).count() == 2
    call_command("import_data", "monthly", str(path), verbosity=0)
    assert MonthlyRecord.objects.filter(business=business).count() == 2
    january = MonthlyRecord.objects.get(business=business, period__month=1)
    assert str(january.sales) == "1234.50" and january.satisfaction == "high"


def test_the_partner_bulk_upsert_is_atomic_and_scoped_on_postgres():
    cache.clear()
    partner = partner_create(name="GORE Piura", contact_email="ti@example.pe")
    _key, raw = partner_api_key_issue(partner=partner, name="test")
    mine, foreign = BusinessFactory(), BusinessFactory()
    partner_grant_business(partner=partner, business=mine)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    rows = [
        {"ruc": mine.ruc, "period": "2024-01", "sales": "100.00"},
        {"ruc": foreign.ruc, "period": "2024-01", "sales": "5.00"},
    ]
    response = client.post("/api/v1/monthly-records/bulk/", rows, format="json")
    assert response.status_code == 400
    assert MonthlyRecord.objects.count() == 0  # nothing half-written
    response = client.post("/api/v1/monthly-records/bulk/?partial=true", rows, format="json")
    assert response.status_code == 200, response.content
    assert MonthlyRecord.objects.filter(business=mine).count() == 1
    assert not MonthlyRecord.objects.filter(business=foreign).exists()


def test_the_history_reads_the_same_in_binary_and_in_text_on_postgres():
    from businesses.demo import demo_data_load
    from forecasting.history import data_fingerprint, records_frame, records_sql

    demo_data_load(businesses=40, months=30, seed=4)
    MonthlyRecord.objects.filter(pk=MonthlyRecord.objects.order_by("pk").first().pk).update(
        costs=None, employees=None, satisfaction=""
    )
    binary, text = records_frame(), records_sql()
    assert len(binary) == MonthlyRecord.objects.count() > 0
    assert list(binary.columns) == list(text.columns)
    assert list(binary.dtypes) == list(text.dtypes)
    assert binary.equals(text)  # same values, same order, NaN where unknown
    assert data_fingerprint(binary) == data_fingerprint(text)  # stored models' data versions
    some = sorted(binary["business_id"].unique()[:3].tolist())
    assert records_frame(some).equals(records_sql(some))


def test_a_range_of_the_history_reads_as_plain_sql_does_on_postgres():
    """The packed read's other forms (a range of ids, months since a date, sales only) and
    every satisfaction level, against plain SQL filtered the same way."""
    import datetime as dt

    from businesses.demo import demo_data_load
    from forecasting.engine import schema
    from forecasting.history import records_sql
    from forecasting.predictions.io import history_frame

    demo_data_load(businesses=30, months=24, seed=5)
    records = MonthlyRecord.objects.order_by("business_id", "period")
    ids = sorted(set(records.values_list("business_id", flat=True)))
    blank = records.filter(business_id=ids[4]).last()  # inside the range and the months read
    MonthlyRecord.objects.filter(pk=blank.pk).update(satisfaction="", costs=None, employees=None)
    low, high = ids[3], ids[20]
    since = dt.date.fromisoformat(str(records.order_by("-period").first().period)).replace(day=1)
    since = (since - dt.timedelta(days=200)).replace(day=1)

    def plain(frame):
        ids_col = frame[schema.BUSINESS_ID]
        frame = frame[(ids_col >= low) & (ids_col <= high)]
        frame = frame[frame[schema.PERIOD] >= since.isoformat()]
        return frame.sort_values([schema.BUSINESS_ID, schema.PERIOD], ignore_index=True)

    def packed(frame):
        return frame.sort_values([schema.BUSINESS_ID, schema.PERIOD], ignore_index=True)

    full = packed(history_frame(None, since=since, id_range=(low, high)))
    expected = plain(records_sql())
    assert len(full) > 0 and full.equals(expected)
    # each form the read maps is there: blank (NaN), low, medium, high
    assert set(full[schema.SATISFACTION].fillna(-1)) == {-1.0, 0.0, 1.0, 2.0}
    sales = packed(history_frame(None, columns="sales", since=since, id_range=(low, high)))
    assert sales.equals(expected[[schema.BUSINESS_ID, schema.PERIOD, schema.SALES]])
    listed = packed(history_frame(ids[5:9]))
    assert listed.equals(records_sql(ids[5:9]))
