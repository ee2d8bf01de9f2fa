"""Helpers of the data-source tests: the recorded-shape answers and a mapped BCRP source."""

import datetime as dt
from pathlib import Path

from businesses.models import DataSource, SourceSeries
from tests.replay import ReplayServer, Reply

BCRP_FILES = Path(__file__).parent / "bcrp_answers"
CODES = ("PN01755AM", "PN01762AM")


def bcrp_reply(name: str) -> Reply:
    return Reply((BCRP_FILES / name).read_bytes())


def bcrp_source(server: ReplayServer, *, name: str = "BCRP prueba", **extra) -> DataSource:
    source = DataSource.objects.create(
        name=name,
        provider="Banco Central de Reserva del Perú",
        kind=DataSource.Kind.BCRP_API,
        url=server.url("/api"),
        period_start=dt.date(2024, 1, 1),
        **{"enabled": True, **extra},
    )
    SourceSeries.objects.create(
        source=source, code=CODES[0], indicator="bcrp_sector_production_index", sector_id="01"
    )
    SourceSeries.objects.create(
        source=source,
        code=CODES[1],
        indicator="bcrp_sector_production_index",
        sector_id="C",
        region_id="15",
    )
    return source
