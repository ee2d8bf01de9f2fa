"""The reasons of a growth probability in words: one sentence per fact, with its numbers, in the
reader's language — the same for the business page, the API and the owner's PDF."""

import math

import pytest
from django.utils import translation

from forecasting.engine.reasons import grouped_reasons
from forecasting.reasons import reasons_in_words

NAMES = ["employees_last", "employees_growth_yoy", "employees_trend_12", "employees_growth",
         "growth_yoy", "mkt_sector_production_index_chg_12", "margin_mean_12"]  # fmt: skip
ROW = {
    "employees_last": 4.0,
    "employees_growth_yoy": math.log(2.0),
    "employees_trend_12": 0.06,
    "employees_growth": 0.0,
    "growth_yoy": math.log(1.18),
    "mkt_sector_production_index_chg_12": math.log(0.95),
    "margin_mean_12": 0.2,
}


def scored():
    contrib = [[0.2, 0.3, 0.15, 0.1, 0.4, -0.12, 0.002]]
    return grouped_reasons(contrib, NAMES, lambda _r, c: ROW.get(c))[0]


def test_each_reason_is_one_sentence_with_its_values_in_spanish():
    with translation.override("es"):
        words = reasons_in_words(scored())
    texts = [w["text"] for w in words]
    assert texts == [
        "Personal: 4 trabajadores ahora; el promedio de trabajadores de los últimos 12 meses "
        "está 100.0 % sobre el de los 12 meses anteriores.",
        "Las ventas de los últimos 3 meses están 18.0 % sobre las de los mismos meses del año "
        "anterior.",
        "Índice de producción de su sector: 5.0 % debajo del de hace un año.",
    ]  # the margin's 0.002 log-odds is no reason
    assert [w["label"] for w in words] == ["Personal", "Ventas frente al año anterior",
                                          "Mercado de su sector"]  # fmt: skip


def test_the_same_reasons_in_english():
    with translation.override("en"):
        texts = [w["text"] for w in reasons_in_words(scored())]
    assert texts[0] == (
        "Staff: 4 workers now; the last 12 months' average headcount is 100.0 % above that of "
        "the 12 months before."
    )
    assert texts[2] == "Its sector's production index: 5.0 % below a year earlier."


def test_a_staff_that_did_not_change_says_so_rather_than_a_change_of_zero():
    reason = grouped_reasons(
        [[0.3, 0.2]], ["employees_last", "employees_growth_yoy"],
        lambda _r, c: {"employees_last": 1.0, "employees_growth_yoy": 0.0}.get(c),
    )[0]  # fmt: skip
    with translation.override("es"):
        assert reasons_in_words(reason)[0]["text"] == (
            "Personal sin cambios en los últimos dos años: 1 trabajador."
        )


def _staff_reason(**facts):
    return [{"family": "staff", "feature": "employees_last", "label_es": "Personal",
             "label_en": "Staff", "contribution": 0.3, "direction": "up",
             "facts": facts}]  # fmt: skip


def test_a_staff_that_changed_says_from_how_many_to_how_many_when_the_year_earlier_is_known():
    # the headcount 12 months earlier is not in the engine's feature row yet; once it is a fact
    # of the staff family, the advisor reads the two numbers rather than a change of averages
    reason = _staff_reason(employees_last=4.0, employees_growth_yoy=math.log(2.0),
                           employees_12m_ago=2.0)  # fmt: skip
    with translation.override("es"):
        assert reasons_in_words(reason)[0]["text"] == (
            "El personal pasó de 2 a 4 trabajadores en los últimos 12 meses."
        )
    with translation.override("en"):
        assert (
            reasons_in_words(_staff_reason(employees_last=1.0, employees_12m_ago=3.0))[0]["text"]
            == "Staff went from 3 to 1 worker over the last 12 months."
        )
    # unchanged, or not known: the sentence of the yearly averages, as before
    with translation.override("es"):
        same = reasons_in_words(_staff_reason(employees_last=2.0, employees_12m_ago=2.2,
                                              employees_growth_yoy=0.0))  # fmt: skip
        assert same[0]["text"] == "Personal sin cambios en los últimos dos años: 2 trabajadores."
        assert reasons_in_words(scored())[0]["text"].startswith("Personal: 4 trabajadores ahora")


def test_advice_stored_with_one_driver_per_column_reads_as_grouped_reasons():
    stored = [  # as advice computed before the grouping kept them
        {"feature": "employees_growth_yoy", "label_es": "Variación anual del personal",
         "value": 0.0, "contribution": 0.4, "direction": "up"},
        {"feature": "employees_trend_12", "label_es": "Tendencia del personal",
         "value": 0.0, "contribution": 0.2, "direction": "up"},
        {"feature": "employees_last", "label_es": "Número de trabajadores",
         "value": 1.0, "contribution": 0.1, "direction": "up"},
        {"feature": "mkt_sector_production_index_chg_12",
         "label_es": "Variación del indicador «sector_production_index» en 12 meses",
         "value": -0.05, "contribution": -0.3, "direction": "down"},
        {"feature": "margin_mean_12", "label_es": "Margen promedio del último año",
         "value": 0.2, "contribution": 0.01, "direction": "up"},
    ]  # fmt: skip
    with translation.override("es"):
        words = reasons_in_words(stored)
    assert [w["family"] for w in words] == ["staff", "market"]
    assert words[0]["contribution"] == pytest.approx(0.7)
    assert words[0]["text"] == "Personal sin cambios en los últimos dos años: 1 trabajador."
    assert "«" not in words[1]["text"] and "4.9 %" in words[1]["text"]


def test_a_group_s_reasons_in_words_say_how_many_businesses_they_move():
    from forecasting.reasons import group_reasons_in_words

    lists = [scored()] * 6 + [[{"family": "staff", "contribution": -0.5}]] * 2
    lists += [[{"family": "margin", "contribution": -0.3}]]  # one business: never said
    with translation.override("en"):
        words = group_reasons_in_words(lists, top=2, min_businesses=5)
    up = words["up"]
    assert [w["family"] for w in up] == ["staff", "sales_yoy"]
    assert up[0]["label"] == "Staff"
    assert up[0]["text"] == (
        "It raises the growth probability of 6 of 9 businesses and lowers that of 2."
    )
    # the sector's market lowers six businesses'; the margin one business's: not a group's reason
    assert [w["family"] for w in words["down"]] == ["market"]
    with translation.override("es"):
        assert group_reasons_in_words(lists, min_businesses=5)["up"][0]["label"] == "Personal"


@pytest.mark.parametrize(
    ("series", "spanish", "english"),
    [
        ("national_activity_index", "Índice de actividad económica nacional",
         "National activity index"),
        ("regional_activity_index", "Índice de actividad de su región",
         "Its region's activity index"),
        ("exportaciones_no_tradicionales", "Exportaciones no tradicionales",
         "Exportaciones no tradicionales"),
    ],
)  # fmt: skip
def test_a_market_reason_names_its_indicator_in_words_never_its_code(series, spanish, english):
    column = f"mkt_{series}_chg_12"
    reasons = grouped_reasons([[0.3]], [column], lambda _r, c: math.log(1.015))[0]
    with translation.override("es"):
        assert reasons_in_words(reasons)[0]["text"].startswith(f"{spanish}: 1.5 % sobre")
    with translation.override("en"):
        assert reasons_in_words(reasons)[0]["text"].startswith(f"{english}: 1.5 % above")
