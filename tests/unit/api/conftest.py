"""Fixtures for the API tests: two partners with keys, businesses in and out of each caller's
scope, and clients authenticated each way."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.core.cache import cache
from django.core.management import call_command
from rest_framework.test import APIClient

from businesses.demo import demo_data_load
from businesses.models import Partner, PartnerGrant
from businesses.partners import partner_api_key_issue, partner_create, partner_grant_business
from forecasting.lifecycle.registry import production_models
from forecasting.scoring.snapshot import scoring_snapshots
from forecasting.unregistered.forecasts import market_references
from tests.factories import BusinessFactory, MonthlyRecordFactory, valid_ruc
from tests.model_parameters import SMALL_MODELS


@dataclass
class PartnerWithKey:
    partner: Partner
    key: str

    @property
    def user(self):
        return self.partner.user


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Throttle and failed-key counters live in the cache: each test starts from zero.
    cache.clear()
    yield
    cache.clear()


def _partner(name: str) -> PartnerWithKey:
    partner = partner_create(name=name, contact_email="sistemas@example.pe")
    _api_key, key = partner_api_key_issue(partner=partner, name="producción")
    return PartnerWithKey(partner=partner, key=key)


@pytest.fixture
def partner_a(db) -> PartnerWithKey:
    return _partner("Gobierno Regional de Piura")


@pytest.fixture
def partner_b(db) -> PartnerWithKey:
    return _partner("Caja Municipal Arequipa")


@dataclass
class World:
    """One business per caller, each outside every other caller's scope."""

    of_partner_a: object
    of_partner_b: object
    of_advisor: object  # assigned to the advisor, region 15 (the supervisor's region too)
    of_nobody: object  # region 04, no advisor, no partner


@pytest.fixture
def world(db, partner_a, partner_b, advisor, supervisor) -> World:
    a = BusinessFactory(ruc=valid_ruc(900_001), region_id="20", ubigeo="200101", sector_id="10")
    b = BusinessFactory(ruc=valid_ruc(900_002), region_id="04", ubigeo="040101")
    mine = BusinessFactory(ruc=valid_ruc(900_003), advisor=advisor, region_id="15")
    nobody = BusinessFactory(ruc=valid_ruc(900_004), region_id="04", ubigeo="040102")
    partner_grant_business(
        partner=partner_a.partner, business=a, reason=PartnerGrant.Reason.SUBMITTED
    )
    partner_grant_business(partner=partner_b.partner, business=b)
    for business in (a, b, mine, nobody):
        for month in (1, 2, 3):
            MonthlyRecordFactory(business=business, period=dt.date(2024, month, 1))
    return World(of_partner_a=a, of_partner_b=b, of_advisor=mine, of_nobody=nobody)


def key_client(key: str, language: str = "en") -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    return client


def session_client(user, language: str = "en") -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


@pytest.fixture
def client_a(partner_a) -> APIClient:
    return key_client(partner_a.key)


@pytest.fixture
def client_b(partner_b) -> APIClient:
    return key_client(partner_b.key)


@pytest.fixture
def trained(db, settings, tmp_path):
    """Demo data (120 businesses x 40 months) and small production models, trained afresh; the
    per-process model, snapshot and market caches emptied before and after."""
    settings.MODEL_PARAMETERS = SMALL_MODELS
    settings.MODEL_STORE_DIR = tmp_path / "models"
    settings.MODEL_REFRESH_SECONDS = 0
    settings.SCORING_SNAPSHOT_REFRESH_SECONDS = 0
    for model_cache in (production_models, scoring_snapshots, market_references):
        model_cache.clear()
    demo = demo_data_load(businesses=120, months=40, seed=2)
    call_command("train", kind="all", verbosity=0)
    yield demo
    for model_cache in (production_models, scoring_snapshots, market_references):
        model_cache.clear()
