"""Reading BCRPData answers: every month label and value form; what cannot be read is refused
whole, naming the series and the period."""

import datetime as dt

import pytest
from django.utils import translation

from businesses.sources.bcrp import (
    BCRPParseError,
    bcrp_parse,
    bcrp_urls,
    parse_period_label,
    parse_value,
)
from tests.unit.businesses.sources.support import BCRP_FILES, CODES


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def test_spanish_and_english_answers_read_the_same():
    es = bcrp_parse((BCRP_FILES / "two_series_esp.json").read_bytes(), codes=list(CODES))
    en = bcrp_parse((BCRP_FILES / "two_series_ing.json").read_bytes(), codes=list(CODES))
    assert es.values == en.values
    assert (es.periods, len(es.values), es.missing) == (6, 11, 1)  # Jun.2024 agro is n.d.
    first = es.values[0]
    assert (first.code, first.period, first.value) == ("PN01755AM", dt.date(2024, 1, 1), 120.51)
    assert es.series_names["PN01762AM"].endswith("Manufactura")


def test_every_label_and_value_form():
    answer = bcrp_parse(
        (BCRP_FILES / "label_and_value_forms.json").read_bytes(), codes=["PN01767AM"]
    )
    got = {v.period: v.value for v in answer.values}
    assert got == {
        dt.date(2024, 1, 1): 100.0,  # Ene.24 (two-digit year)
        dt.date(2023, 9, 1): -1.5,  # Set.2023 (Peruvian September)
        dt.date(2022, 9, 1): 1234.5,  # Sep.2022, thousands comma
        dt.date(2020, 12, 1): 100.0,  # Dic.2020, exponent
        dt.date(2019, 12, 1): 0.5,  # Dec.2019 (English)
        dt.date(2018, 8, 1): 7.25,  # ago-2018
        dt.date(2016, 5, 1): 42.0,  # 2016-5
    }
    assert answer.missing == 3  # n.d., n.d and an empty string


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("Ene.2024", dt.date(2024, 1, 1)),
        ("Jan.2024", dt.date(2024, 1, 1)),
        ("ABR.2010", dt.date(2010, 4, 1)),
        ("Apr.10", dt.date(2010, 4, 1)),
        ("Dic.99", dt.date(1999, 12, 1)),
        ("Set 2024", dt.date(2024, 9, 1)),
    ],
)
def test_month_labels(label, expected):
    assert parse_period_label(label, code="X") == expected


@pytest.mark.parametrize("label", ["Trim1.2024", "T1.24", "01.Ene.24", "2024", "Foo.2024", ""])
def test_labels_that_are_not_months_are_refused(label):
    with pytest.raises(BCRPParseError, match="Series PN01755AM: the period"):
        parse_period_label(label, code="PN01755AM")


def test_unreadable_label_names_series_and_period():
    with pytest.raises(BCRPParseError) as refused:
        bcrp_parse((BCRP_FILES / "bad_label.json").read_bytes(), codes=list(CODES))
    assert "PN01755AM, PN01762AM" in str(refused.value)
    assert "Trim1.2024" in str(refused.value)
    assert "nothing was stored" in str(refused.value)


def test_unreadable_value_names_series_and_period_in_spanish_too():
    payload = (BCRP_FILES / "bad_value.json").read_bytes()
    with pytest.raises(BCRPParseError) as refused:
        bcrp_parse(payload, codes=list(CODES))
    assert "Series PN01755AM, period Feb.2024" in str(refused.value)
    assert "12,3,4" in str(refused.value)
    with translation.override("es"), pytest.raises(BCRPParseError) as refused_es:
        bcrp_parse(payload, codes=list(CODES))
    assert "Serie PN01755AM, periodo Feb.2024" in str(refused_es.value)


@pytest.mark.parametrize("raw", ["abc", "1.2.3", "nan", "inf", "1,23"])
def test_values_that_are_not_numbers_are_refused(raw):
    with pytest.raises(BCRPParseError, match="is not a number"):
        parse_value(raw, code="PN01755AM", label="Ene.2024")


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b"<!DOCTYPE html><html><body>Error 500</body></html>", "is not JSON"),
        (b'{"config": {"series": []}, "periods": []}', "2 series were asked for"),
        (b'{"periods": []}', "no “config.series”"),
        (b'{"config": {"series": [{}, {}]}, "periods": [{"name": "Ene.2024", "values": ["1"]}]}',
         "expected 2 values, found 1"),
        (b'{"config": {"series": [{}, {}]}, "periods": [{"name": "Ene.2024", "values": ["1", "2"]},'
         b' {"name": "Jan.2024", "values": ["1", "2"]}]}', "comes twice"),
        (b'{"config": {"series": [', "cannot be read"),
    ],
)  # fmt: skip
def test_malformed_answers_are_refused_whole(payload, message):
    with pytest.raises(BCRPParseError, match=message):
        bcrp_parse(payload, codes=list(CODES))


def test_request_urls_follow_the_api_and_group_ten_codes():
    codes = [f"PN{n:05d}AM" for n in range(12)]
    urls = list(
        bcrp_urls(
            base="https://estadisticas.bcrp.gob.pe/estadisticas/series/api/",
            codes=codes,
            start=dt.date(2015, 1, 1),
            end=dt.date(2024, 6, 1),
            language="ing",
        )
    )
    assert [len(group) for group, _url in urls] == [10, 2]
    assert urls[1][1] == (
        "https://estadisticas.bcrp.gob.pe/estadisticas/series/api/"
        "PN00010AM-PN00011AM/json/2015-1/2024-6/ing"
    )
