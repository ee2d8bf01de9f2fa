"""Finding a business by name: one normalisation (case, accents, ñ, spaces) for what is
stored and what is typed, and every writer of a business keeps the stored form current."""

import pytest
from rest_framework.test import APIClient

from businesses.demo import demo_data_load
from businesses.imports import data_import_run
from businesses.models import Business
from businesses.search import search_key
from businesses.services import business_update
from tests.factories import BusinessFactory, valid_ruc
from tests.unit.businesses.files import write_csv


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("Panadería", "panaderia"),
        ("GARCÍA", "garcia"),
        ("Muñoz  Ñandú\tE.I.R.L.", "munoz nandu e.i.r.l."),
        ("  Bodega   Doña Pepa  ", "bodega dona pepa"),
        ("Crème brûlée", "creme brulee"),
    ],
)
def test_search_key_ignores_case_accents_enye_and_spacing(typed, key):
    assert search_key(typed) == key


def test_saving_a_business_keeps_its_search_columns(db, admin_user):
    business = BusinessFactory(
        ruc=valid_ruc(70_001), trade_name="Panadería Ñusta", legal_name="GARCÍA PÉREZ JUAN"
    )
    business.refresh_from_db()
    assert business.search_text == f"{business.ruc} panaderia nusta garcia perez juan"
    assert business.sort_name == "panaderia nusta"
    business_update(business=business, user=admin_user, trade_name="")
    business.refresh_from_db()
    assert business.search_text == f"{business.ruc} garcia perez juan"
    assert business.sort_name == "garcia perez juan"  # the name shown without a trade name


def test_a_business_created_through_the_api_has_its_search_columns(db, admin_user):
    client = APIClient()
    client.force_login(admin_user)
    ruc = valid_ruc(70_002)
    body = {"ruc": ruc, "legal_name": "Textiles Ñaña", "sector": "13", "ubigeo": "200101"}
    response = client.post("/api/v1/businesses/", body, format="json")
    assert response.status_code == 201, response.json()
    stored = Business.objects.get(ruc=ruc)
    assert (stored.search_text, stored.sort_name) == (f"{ruc} textiles nana", "textiles nana")


def test_the_import_fills_the_search_columns_on_create_and_on_update(tmp_path, db):
    ruc = valid_ruc(70_003)
    rows = [
        ["ruc", "name", "sector_code", "ubigeo", "trade_name"],
        [ruc, "Inversiones Peña S.A.C.", "47", "150101", "Bodega Doña Rosa"],
    ]
    report = data_import_run(kind="businesses", path=write_csv(tmp_path, rows, delimiter=","))
    assert report.rows_created == 1, report.problems
    stored = Business.objects.get(ruc=ruc)
    assert stored.search_text == f"{ruc} bodega dona rosa inversiones pena s.a.c."
    assert stored.sort_name == "bodega dona rosa"
    rows[1][4] = "Minimarket Ángel"
    report = data_import_run(kind="businesses", path=write_csv(tmp_path, rows, delimiter=","))
    assert report.rows_updated == 1, report.problems
    stored.refresh_from_db()
    assert stored.search_text == f"{ruc} minimarket angel inversiones pena s.a.c."
    assert stored.sort_name == "minimarket angel"


def test_the_demo_seed_fills_the_search_columns(db):
    demo_data_load(businesses=12, months=6, seed=3)
    for business in Business.objects.all():
        shown = business.trade_name or business.legal_name
        assert business.sort_name == search_key(shown)
        assert business.search_text == search_key(
            f"{business.ruc} {business.trade_name} {business.legal_name}"
        )
