"""Reading cells the way Peruvian spreadsheets write them."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation

from businesses.imports.values import (
    CellValueError,
    normalise_header,
    parse_count,
    parse_date,
    parse_flag,
    parse_number,
    parse_period,
    parse_satisfaction,
)


@pytest.mark.parametrize(
    ("text", "decimal_comma", "expected"),
    [
        ("1.234,50", True, "1234.50"),
        ("1.234,50", False, "1234.50"),
        ("1,234.50", True, "1234.50"),
        ("1234.50", True, "1234.50"),
        ("1234,5", False, "1234.5"),
        ("1.234.567", True, "1234567"),
        ("1,234,567.8", True, "1234567.8"),
        ("800,00", True, "800.00"),
        ("1.234", True, "1234"),  # a ; file: the dot groups thousands
        ("1.234", False, "1.234"),  # a , file: the dot is decimal
        ("1,234", True, "1.234"),
        ("1,234", False, "1234"),
        ("S/ 2.000,00", True, "2000.00"),
        (" 12 ", True, "12"),
        ("-7,00", True, "-7.00"),
        (1500, True, "1500"),
        (12.5, True, "12.5"),
    ],
)
def test_numbers_in_every_peruvian_spelling(text, decimal_comma, expected):
    assert parse_number(text, decimal_comma=decimal_comma) == Decimal(expected)


@pytest.mark.parametrize("text", ["abc", "1.2.3,4,5", "12,34.56,7", "1..2", ",", "1 2a", "--3"])
def test_what_is_not_a_number_is_named(text):
    with translation.override("en"), pytest.raises(CellValueError, match="is not a number"):
        parse_number(text, decimal_comma=True)


def test_counts_are_whole_and_not_negative():
    assert parse_count("3", decimal_comma=True) == 3
    assert parse_count(3.0, decimal_comma=True) == 3
    for bad in ("2,5", "-1"):
        with pytest.raises(CellValueError):
            parse_count(bad, decimal_comma=True)


@pytest.mark.parametrize(
    "value",
    ["2019-03", "2019/3", "03/2019", "3-2019", "201903", "15/03/2019", "2019-03-15",
     "15/03/2019 00:00:00", dt.date(2019, 3, 15), dt.datetime(2019, 3, 31, 12, 0)],
)  # fmt: skip
def test_a_period_is_any_spelling_of_a_month(value):
    assert parse_period(value) == dt.date(2019, 3, 1)


@pytest.mark.parametrize("value", ["2019-13", "31/02/2019", "marzo 2019", "19-03", "2019"])
def test_what_is_not_a_period_is_named(value):
    with translation.override("en"), pytest.raises(CellValueError, match="is not a month"):
        parse_period(value)


def test_dates_are_day_first():
    assert parse_date("05/04/2018") == dt.date(2018, 4, 5)
    assert parse_date("2018-04-05") == dt.date(2018, 4, 5)
    with pytest.raises(CellValueError):
        parse_date("04/31/2018")


@pytest.mark.parametrize(
    ("value", "expected"),
    [("alta", "high"), ("Media", "medium"), ("BAJA", "low"), ("high", "high"), ("1", "low"),
     (3, "high"), (2.0, "medium"), ("", "")],
)  # fmt: skip
def test_satisfaction_in_spanish_english_or_digits(value, expected):
    assert parse_satisfaction(value) == expected


def test_flags():
    assert parse_flag("Sí") is True
    assert parse_flag("no") is False
    assert parse_flag("") is None
    with pytest.raises(CellValueError):
        parse_flag("quizás")


def test_headers_ignore_case_accents_and_spaces():
    assert normalise_header("\ufeff Satisfacción  Cliente ") == "satisfaccion_cliente"
    assert normalise_header("Razón Social") == "razon_social"
    assert normalise_header("PERIODO") == "periodo"


def test_a_count_too_large_to_store_is_refused():
    assert parse_count("2147483647", decimal_comma=False) == 2_147_483_647
    with translation.override("en"), pytest.raises(CellValueError, match="too large"):
        parse_count("2147483648", decimal_comma=False)
