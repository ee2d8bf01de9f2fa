"""Exports: scoped to what the user may see, formula-safe, streamable, audited, re-importable."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from businesses.exports import export_rows, export_write
from businesses.imports import data_import_run
from businesses.models import MonthlyRecord
from core.models import AuditEntry
from core.spreadsheets import cell_safe
from feedback.models import LabelOverride, Outcome, RecommendationFeedback
from forecasting.models import Advice, Recommendation
from tests.factories import BusinessFactory, MonthlyRecordFactory

pytestmark = pytest.mark.django_db


def _csv(kind, user, **kwargs) -> list[list[str]]:
    out = io.BytesIO()
    export_write(kind=kind, fmt="csv", out=out, user=user, **kwargs)
    text = out.getvalue().decode("utf-8")
    assert text.startswith("\ufeff")  # Excel reads the accents
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


@pytest.mark.parametrize(
    ("value", "expected"),
    [("=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"), ("+51 999", "'+51 999"), ("-2", "'-2"),
     ("@cmd", "'@cmd"), ("\t=1", "'\t=1"), ("\r=1", "'\r=1"), ("Bodega", "Bodega"),
     (None, ""), (-7, -7), (Decimal("-1.5"), Decimal("-1.5"))],
)  # fmt: skip
def test_text_cells_cannot_run_as_formulas_and_numbers_stay_numbers(value, expected):
    assert cell_safe(value) == expected


def test_an_advisor_exports_only_their_businesses(advisor, other_advisor):
    mine = BusinessFactory(advisor=advisor)
    BusinessFactory(advisor=other_advisor)
    rows = _csv("businesses", advisor)
    assert [r[0] for r in rows[1:]] == [mine.ruc]


def test_a_steward_exports_every_business_and_its_months(steward, advisor):
    a, b = BusinessFactory(advisor=advisor), BusinessFactory()
    MonthlyRecordFactory(business=a, period=dt.date(2024, 1, 1), sales=Decimal("1234.50"))
    MonthlyRecordFactory(business=b, period=dt.date(2024, 2, 1))
    assert {r[0] for r in _csv("businesses", steward)[1:]} == {a.ruc, b.ruc}
    monthly = _csv("monthly", steward)
    assert monthly[0][:4] == ["ruc", "period", "sales", "costs"]
    assert [a.ruc, "2024-01", "1234.50"] == monthly[1][:3]


def test_a_formula_in_a_name_is_neutralised_in_csv_and_xlsx(steward):
    BusinessFactory(legal_name="=cmd|' /C calc'!A0", trade_name="@SUM(A1)")
    rows = _csv("businesses", steward)
    assert rows[1][1] == "'=cmd|' /C calc'!A0" and rows[1][6] == "'@SUM(A1)"
    out = io.BytesIO()
    export_write(kind="businesses", fmt="xlsx", out=out, user=steward)
    sheet = load_workbook(io.BytesIO(out.getvalue())).active
    row = [c.value for c in next(sheet.iter_rows(min_row=2, max_row=2))]
    assert row[1] == "'=cmd|' /C calc'!A0"
    assert all(c.data_type != "f" for c in next(sheet.iter_rows(min_row=2, max_row=2)))


def test_xlsx_keeps_numbers_and_dates_typed(steward):
    b = BusinessFactory()
    MonthlyRecordFactory(business=b, period=dt.date(2024, 3, 1), sales=Decimal("500.25"))
    out = io.BytesIO()
    assert export_write(kind="monthly", fmt="xlsx", out=out, user=steward) == 1
    sheet = load_workbook(io.BytesIO(out.getvalue())).active
    header, row = list(sheet.iter_rows(values_only=True))
    assert header[:3] == ("ruc", "period", "sales")
    assert row[0] == b.ruc and row[1] == "2024-03" and row[2] == pytest.approx(500.25)


def test_an_exported_file_imports_back_unchanged(steward, tmp_path):
    b = BusinessFactory(women_led=True)
    for month in (1, 2, 3):
        MonthlyRecordFactory(business=b, period=dt.date(2024, month, 1))
    for kind in ("businesses", "monthly"):
        path = tmp_path / f"{kind}.csv"
        with path.open("wb") as out:
            export_write(kind=kind, fmt="csv", out=out, user=steward)
        report = data_import_run(kind=kind, path=path)
        assert report.rows_rejected == 0, report.problems
        assert report.rows_created == report.rows_updated == 0
        assert report.rows_unchanged == (1 if kind == "businesses" else 3)


def test_advice_export_has_one_row_per_recommendation(steward, business):
    advice = Advice.objects.create(business=business, status=Advice.Status.READY)
    for i, code in enumerate(["go_online", "short_history"]):
        Recommendation.objects.create(
            advice=advice, code=code, title="t", rationale="-r", position=i
        )
    Advice.objects.create(business=business, status=Advice.Status.QUEUED)
    rows = _csv("advice", steward)
    assert [(r[0], r[11]) for r in rows[1:]] == [
        (str(advice.pk), "go_online"),
        (str(advice.pk), "short_history"),
        (str(advice.pk + 1), ""),
    ]
    assert rows[1][14] == "'-r"  # the rationale is text: escaped


def test_feedback_export_lists_every_kind_of_annotation_in_scope(advisor, other_advisor, business):
    advice = Advice.objects.create(business=business, status=Advice.Status.READY,
                                   cutoff=dt.date(2024, 12, 1))  # fmt: skip
    rec = Recommendation.objects.create(advice=advice, code="go_online", title="t", rationale="r")
    RecommendationFeedback.objects.create(recommendation=rec, action="accepted", created_by=advisor)
    LabelOverride.objects.create(
        advice=advice, business=business, cutoff=advice.cutoff, label="grows",
        reason="nuevo cliente", created_by=advisor,
    )  # fmt: skip
    Outcome.objects.create(
        business=business, advice=advice, action_taken="Feria", date=dt.date(2025, 3, 1),
        sales_change=Decimal("12.5"),
    )  # fmt: skip
    rows = _csv("feedback", advisor)
    assert [r[0] for r in rows[1:]] == ["verdict", "label_override", "outcome"]
    assert _csv("feedback", other_advisor)[1:] == []


def test_a_selection_narrows_but_never_widens_the_scope(advisor, other_advisor):
    from businesses.models import Business

    mine = BusinessFactory(advisor=advisor)
    BusinessFactory(advisor=other_advisor)
    _header, rows = export_rows(kind="businesses", user=advisor, queryset=Business.objects.all())
    assert [r[0] for r in rows] == [mine.ruc]


def test_every_export_is_audited_with_its_row_count(steward):
    BusinessFactory()
    BusinessFactory()
    _csv("businesses", steward)
    entry = AuditEntry.objects.get(action="export")
    assert entry.actor == steward
    assert entry.detail["kind"] == "businesses" and entry.detail["rows"] == 2


def test_admin_export_page_streams_csv_and_is_audited(client, steward):
    BusinessFactory(legal_name="-minus")
    client.force_login(steward)
    url = reverse("admin:businesses_dataimport_export")
    assert client.get(url).status_code == 200
    response = client.post(url, {"kind": "businesses", "format": "csv"})
    assert response.status_code == 200 and response.streaming
    body = b"".join(response.streaming_content).decode()
    assert "'-minus" in body
    assert AuditEntry.objects.get(action="export").detail["rows"] == 1


def test_admin_action_exports_the_selection_as_xlsx(client, steward):
    chosen, _other = BusinessFactory(), BusinessFactory()
    client.force_login(steward)
    response = client.post(
        reverse("admin:businesses_business_changelist"),
        {"action": "export_businesses_xlsx", "_selected_action": [chosen.pk]},
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert [r[0] for r in sheet.iter_rows(min_row=2, values_only=True)] == [chosen.ruc]


def test_export_command_writes_the_file_and_refuses_an_unknown_user(tmp_path, advisor):
    b = BusinessFactory(advisor=advisor)
    MonthlyRecordFactory(business=b)
    out = tmp_path / "meses.xlsx"
    call_command("export_data", "monthly", "--out", str(out), stdout=io.StringIO())
    assert load_workbook(out).active.max_row == 2
    assert MonthlyRecord.objects.count() == 1
    with pytest.raises(Exception, match="nobody"):
        call_command("export_data", "businesses", "--out", str(out), "--user", "nobody")
    entry = AuditEntry.objects.get(action="export")
    assert entry.actor is None and entry.detail["via"] == "command"
