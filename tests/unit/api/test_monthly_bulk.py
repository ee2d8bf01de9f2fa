"""POST /api/v1/monthly-records/bulk/: idempotent upsert by (RUC, period), atomic unless
?partial=true, every rejected row reported with its index, field and reason."""

import datetime as dt
from decimal import Decimal

import pytest

from businesses.models import DataImport, MonthlyRecord
from tests.unit.api.conftest import key_client

URL = "/api/v1/monthly-records/bulk/"


@pytest.fixture
def ruc(world):
    return world.of_partner_a.ruc


def _post(client, rows, partial=False, **extra):
    url = URL + ("?partial=true" if partial else "")
    return client.post(url, {"rows": rows}, format="json", **extra)


def test_creates_updates_and_counts_unchanged(client_a, ruc, world):
    rows = [
        {"ruc": ruc, "period": "2024-01", "sales": 9000.5, "costs": 6000, "employees": 4},
        {"ruc": ruc, "period": "2024-04", "sales": "12.345,60", "customer_satisfaction": "alta"},
        {"ruc": ruc, "period": "05/2024", "sales": 100},
    ]
    response = _post(client_a, rows)
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["created"], body["updated"], body["unchanged"], body["rejected"]) == (2, 1, 0, 0)
    assert body["rows_received"] == 3 and body["rejected_rows"] == []
    april = MonthlyRecord.objects.get(business=world.of_partner_a, period=dt.date(2024, 4, 1))
    assert april.sales == Decimal("12345.60") and april.satisfaction == "high"
    data_import = DataImport.objects.get(pk=body["data_version"])
    assert data_import.kind == DataImport.Kind.MONTHLY
    assert data_import.status == DataImport.Status.SUCCEEDED
    assert data_import.parameters["source"] == "api"
    assert data_import.uploaded_by == world.of_partner_a.partner_grants.get().partner.user
    assert april.source_import_id == data_import.pk

    # idempotent: the same request again changes nothing
    again = _post(client_a, rows).json()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 3)
    assert MonthlyRecord.objects.filter(business=world.of_partner_a).count() == 5


def test_a_bare_list_is_accepted(client_a, ruc):
    response = client_a.post(URL, [{"ruc": ruc, "period": "2024-07", "sales": 1}], format="json")
    assert response.status_code == 200
    assert response.json()["created"] == 1


def test_without_partial_nothing_lands_if_a_row_is_rejected(client_a, ruc, world):
    before = MonthlyRecord.objects.count()
    rows = [
        {"ruc": ruc, "period": "2024-08", "sales": 100},
        {"ruc": ruc, "period": "2024-09", "sales": "abc"},
        {"ruc": world.of_partner_b.ruc, "period": "2024-08", "sales": 5},
    ]
    response = _post(client_a, rows)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "rows_rejected"
    assert "nothing was saved" in error["message"]
    assert [(d["row"], d["field"], d["path"]) for d in error["details"]] == [
        (1, "sales", "rows[1].sales"),
        (2, "ruc", "rows[2].ruc"),
    ]
    assert error["details"][0]["message"] == "“abc” is not a number."
    assert error["details"][0]["value"] == "abc"
    assert error["details"][1]["message"] == (
        f"No business with RUC {world.of_partner_b.ruc} in your scope."
    )
    assert MonthlyRecord.objects.count() == before
    failed = DataImport.objects.get(status=DataImport.Status.FAILED)
    assert failed.rows_rejected == 2 and failed.rows_created == 0
    assert failed.rejected_rows[0]["line"] == 1


def test_with_partial_the_valid_rows_land(client_a, ruc, world):
    rows = [
        {"ruc": ruc, "period": "2024-08", "sales": 100},
        {"ruc": ruc, "period": "2024-09", "sales": -5},
        {"ruc": "20123456789", "period": "2024-08", "sales": 5},
    ]
    response = _post(client_a, rows, partial=True)
    assert response.status_code == 200
    body = response.json()
    assert (body["created"], body["rejected"], body["partial"]) == (1, 2, True)
    assert [r["row"] for r in body["rejected_rows"]] == [1, 2]
    assert MonthlyRecord.objects.filter(business=world.of_partner_a, period="2024-08-01").exists()
    assert not MonthlyRecord.objects.filter(period="2024-09-01").exists()


def test_rejections_are_in_the_request_language(partner_a, ruc):
    rows = [{"ruc": ruc, "period": "2024-13", "sales": "mucho"}]
    es = _post(key_client(partner_a.key, "es"), rows).json()["error"]
    en = _post(key_client(partner_a.key, "en"), rows).json()["error"]
    es_messages = {d["field"]: d["message"] for d in es["details"]}
    en_messages = {d["field"]: d["message"] for d in en["details"]}
    assert en_messages["sales"] == "“mucho” is not a number."
    assert es_messages["sales"] == "“mucho” no es un número."
    assert en_messages["period"] != es_messages["period"]


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ({"period": "2024-01", "sales": 1}, "ruc"),
        ({"ruc": "20123456780", "period": "2024-01", "sales": 1}, "ruc"),
        ({"ruc": "RUC", "period": "2024-01", "sales": 1}, "ruc"),
        ({"ruc": "{ruc}", "sales": 1}, "period"),
        ({"ruc": "{ruc}", "period": "2999-01", "sales": 1}, "period"),
        ({"ruc": "{ruc}", "period": "2024-01"}, "sales"),
        ({"ruc": "{ruc}", "period": "2024-01", "sales": True}, "sales"),
        ({"ruc": "{ruc}", "period": "2024-01", "sales": 1e15}, "sales"),
        ({"ruc": "{ruc}", "period": "2024-01", "sales": 1, "employees": 2.5}, "employees"),
        ({"ruc": "{ruc}", "period": "2024-01", "sales": 1, "employees": 10**12}, "employees"),
        ({"ruc": "{ruc}", "period": "2024-01", "sales": 1, "costs": [1]}, "costs"),
        ({"ruc": "{ruc}", "period": "2024-01", "sales": 1, "customer_satisfaction": "x"},
         "customer_satisfaction"),
        ({"ruc": "{ruc}", "period": "2024-01", "sales": 1, "cost": 5}, "cost"),
    ],
)  # fmt: skip
def test_each_bad_row_names_its_field(client_a, ruc, row, field):
    row = {k: (v.format(ruc=ruc) if isinstance(v, str) else v) for k, v in row.items()}
    response = _post(client_a, [row])
    assert response.status_code == 400
    details = response.json()["error"]["details"]
    assert details[0]["row"] == 0
    assert field in {d["field"] for d in details}


def test_a_row_that_is_not_an_object_is_rejected(client_a, ruc):
    response = _post(client_a, ["hola", {"ruc": ruc, "period": "2024-01", "sales": 1}], True)
    assert response.status_code == 200
    assert response.json()["rejected_rows"][0]["path"] == "rows[0]"


def test_duplicates_in_one_request_keep_the_first(client_a, ruc):
    rows = [
        {"ruc": ruc, "period": "2024-10", "sales": 1},
        {"ruc": ruc, "period": "2024-10", "sales": 2},
    ]
    body = _post(client_a, rows, partial=True).json()
    assert body["created"] == 1
    assert body["rejected_rows"][0]["message"] == "Duplicate of row 0 (same RUC and period)."


@pytest.mark.parametrize("body", [{}, {"rows": []}, {"rows": "x"}, "x", {"rows": [1] * 0}])
def test_an_empty_or_shapeless_body_is_400(client_a, body, db):
    response = client_a.post(URL, body, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"


def test_too_many_rows_is_413(client_a, ruc, settings):
    settings.API_BULK_MAX_ROWS = 3
    rows = [{"ruc": ruc, "period": f"2023-{m:02d}", "sales": 1} for m in range(1, 5)]
    response = _post(client_a, rows)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


def test_oversized_body_is_413_and_changes_nothing(client_a, ruc, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2000
    rows = [{"ruc": ruc, "period": "2023-01", "sales": 1, "pad": "x" * 3000}]
    before = MonthlyRecord.objects.count()
    response = _post(client_a, rows)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    assert MonthlyRecord.objects.count() == before


def test_invalid_json_is_400_in_the_error_shape(client_a, db):
    response = client_a.post(URL, data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"


def test_the_records_endpoint_reads_back_what_was_sent(client_a, ruc):
    _post(client_a, [{"ruc": ruc, "period": "2024-11", "sales": "1500.5", "costs": None}])
    response = client_a.get(f"/api/v1/businesses/{ruc}/monthly-records/?period_from=2024-11")
    assert response.status_code == 200
    (record,) = response.json()["results"]
    assert record == {
        "period": "2024-11",
        "sales": 1500.5,
        "costs": None,
        "employees": None,
        "customer_satisfaction": None,
        "data_version": record["data_version"],
    }


def test_size_class_is_refreshed_after_a_bulk_request(client_a, ruc, world):
    from businesses.models import UITValue

    UITValue.objects.update_or_create(year=2024, defaults={"value": Decimal("5150")})
    rows = [{"ruc": ruc, "period": f"2024-{m:02d}", "sales": 200_000} for m in range(1, 13)]
    assert _post(client_a, rows).status_code == 200
    world.of_partner_a.refresh_from_db()
    assert world.of_partner_a.size_class == "small"  # S/ 2.4 M a year, 466 UIT
