"""Imports and a busy SQLite database (issue 19, item 5).

A dry run of ``import_data`` writes nothing and must not hold SQLite's one write lock while it
reads and validates the file: an advisor's request for advice failed with a 500 "database is
locked" during a dry run of a 48 MB file. And when the database *is* busy (a real import, another
writer), a request that must write gets a clear 503 with Retry-After, in its language, never a
500. These tests run without the test transaction (``transactional_db``): it would hold the
lock itself."""

import importlib
import sqlite3

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from businesses.imports.importers import MonthlyImporter
from businesses.models import MonthlyRecord, Region, Sector
from businesses.partners import partner_api_key_issue, partner_create, partner_grant_business
from core.roles import sync_role_groups
from forecasting.models import Advice
from tests.factories import BusinessFactory


@pytest.fixture(autouse=True)
def _registry(transactional_db):
    # A transactional test ends by flushing every table, the migrations' rows too: load the
    # regions, sectors and role groups again where an earlier one removed them.
    if not (Region.objects.exists() and Sector.objects.exists()):
        importlib.import_module("businesses.migrations.0002_reference_data").load(apps, None)
    sync_role_groups()


def _other_writer(timeout: float = 0.5) -> sqlite3.Connection:
    """A second connection to the test database, as another process (the web server) has."""
    return sqlite3.connect(connection.settings_dict["NAME"], timeout=timeout, isolation_level=None)


def _can_write_now() -> bool:
    other = _other_writer()
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError as error:
        assert "locked" in str(error)
        return False
    finally:
        other.close()


@pytest.fixture
def monthly_file(tmp_path):
    businesses = [BusinessFactory() for _ in range(3)]
    lines = ["ruc;periodo;ventas"]
    lines += [f"{b.ruc};2023-{m:02d};{100 + m},5" for b in businesses for m in range(1, 13)]
    path = tmp_path / "ventas.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.django_db(transaction=True)
def test_a_dry_run_import_lets_other_writers_in_while_it_validates(monthly_file, monkeypatch):
    seen = []
    flush = MonthlyImporter.flush

    def probing_flush(self, rows):
        seen.append(_can_write_now())  # halfway through: could the web server write now?
        return flush(self, rows)

    monkeypatch.setattr(MonthlyImporter, "flush", probing_flush)
    call_command("import_data", "monthly", str(monthly_file), "--dry-run", verbosity=0)
    assert seen and all(seen)
    assert MonthlyRecord.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_real_import_still_lands_whole(monthly_file):
    call_command("import_data", "monthly", str(monthly_file), verbosity=0)
    assert MonthlyRecord.objects.count() == 36


@pytest.fixture
def locked_database(settings):
    """Another writer holds the database; this process waits a fifth of a second, not 30."""
    options = connection.settings_dict["OPTIONS"]
    previous = options.get("timeout")
    options["timeout"] = 0.2
    connection.close()  # the timeout is set when connecting
    other = _other_writer()
    other.execute("BEGIN IMMEDIATE")
    yield
    other.execute("ROLLBACK")
    other.close()
    options["timeout"] = previous
    connection.close()


@pytest.mark.django_db(transaction=True)
def test_the_api_answers_503_while_the_database_is_busy(advisor, request):
    business = BusinessFactory(advisor=advisor, region_id="15")
    partner = partner_create(name="Gobierno Regional")
    partner_grant_business(partner=partner, business=business)
    _stored, key = partner_api_key_issue(partner=partner, name="k")
    request.getfixturevalue("locked_database")
    for language, words in (("en", "database is busy"), ("es", "base de datos está ocupada")):
        client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
        client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
        response = client.post(f"/api/v1/businesses/{business.ruc}/advice/")
        assert response.status_code == 503
        assert int(response["Retry-After"]) > 0
        error = response.json()["error"]
        assert error["code"] == "database_busy"
        assert words in error["message"]


@pytest.mark.django_db(transaction=True)
def test_the_portal_answers_503_while_the_database_is_busy(advisor, request):
    business = BusinessFactory(advisor=advisor, region_id="15")
    client = Client(HTTP_ACCEPT_LANGUAGE="es")
    client.force_login(advisor)
    request.getfixturevalue("locked_database")
    response = client.post(reverse("businesses:advice_request", kwargs={"pk": business.pk}))
    assert response.status_code == 503
    assert response["Retry-After"]
    assert "base de datos está ocupada" in response.content.decode()
    assert not Advice.objects.exists()
