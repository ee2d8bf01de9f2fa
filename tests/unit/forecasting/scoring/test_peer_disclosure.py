"""Peer benchmarks follow the disclosure rules: the quartiles, rank and online share of a peer
group are withheld when fewer than MIN_PEERS trusted businesses make it up, and a partner's
businesses (created or fed through the API) never count as peers, so padding a group around a
lone business cannot reveal its figures."""

import pytest

from businesses.models import Business, Sector, Source
from forecasting.scoring.snapshot import MIN_PEERS, score_business, scoring_snapshots

pytestmark = pytest.mark.django_db


def _move_to_empty_division(businesses: list[Business]) -> Sector:
    """A CIIU division with no business of the demo, then ``businesses`` moved into it."""
    used = Business.objects.values("sector_id")
    division = Sector.objects.filter(section__isnull=False).exclude(pk__in=used).first()
    Business.objects.filter(pk__in=[b.pk for b in businesses]).update(sector=division)
    scoring_snapshots.clear()
    return division


def _with_records(n: int) -> list[Business]:
    return list(Business.objects.filter(records__costs__isnull=False).distinct().order_by("pk")[:n])


def test_a_peer_group_too_small_to_hide_one_business_shows_no_quartile(trained):
    group = _with_records(3)
    _move_to_empty_division(group)

    bench = score_business(group[0].pk).benchmarks

    assert bench["withheld"] is True and bench["peers"] == 3 and bench["group"] == "sector"
    assert bench["min_peers"] == MIN_PEERS
    for figure in ("yoy_growth", "margin"):
        assert [bench[figure][k] for k in ("p25", "p50", "p75", "rank")] == [None] * 4
        assert bench[figure]["withheld"] is True
    assert bench["online_share"] is None
    # The business's own figures stay: they are its advisor's to see.
    assert bench["margin"]["value"] is not None


def test_a_partners_businesses_cannot_pad_a_peer_group(trained):
    group = _with_records(MIN_PEERS + 3)
    target, padding = group[0], group[3:]
    _move_to_empty_division(group)
    Business.objects.filter(pk__in=[b.pk for b in padding]).update(source=Source.API)
    scoring_snapshots.clear()

    padded = score_business(target.pk).benchmarks
    assert padded["withheld"] is True and padded["peers"] == 3

    # The same businesses entered by the ministry's own import are peers: the group is shown.
    Business.objects.filter(pk__in=[b.pk for b in padding]).update(source=Source.IMPORT)
    scoring_snapshots.clear()
    shown = score_business(target.pk).benchmarks
    assert shown["withheld"] is False and shown["peers"] == MIN_PEERS + 3
    assert shown["margin"]["p50"] is not None and shown["online_share"] is not None


def test_the_business_page_says_the_peer_figures_are_withheld(trained, client, advisor):
    from forecasting.advice.services import advice_compute_now

    group = _with_records(2)
    _move_to_empty_division(group)
    Business.objects.filter(pk=group[0].pk).update(advisor=advisor)
    advice_compute_now(business=group[0], user=advisor)
    client.force_login(advisor)

    page = client.get(f"/businesses/{group[0].pk}/", HTTP_ACCEPT_LANGUAGE="es").content.decode()

    assert "retenido" in page.lower() and f"menos de {MIN_PEERS} empresas comparables" in page
    assert ">P25<" not in page.split("Comparado con sus pares")[-1].split("Su mercado")[0]


PEER_DRIVER = {
    "family": "peers_level",
    "feature": "log_sales_vs_sector_region",
    "label_es": "Ventas frente a sus pares",
    "label_en": "Sales against its peers",
    "value": 0.8,
    "contribution": 0.4,
    "direction": "up",
    "features": ["log_sales_vs_sector_region"],
    "facts": {"log_sales_vs_sector_region": 0.8, "log_sales_vs_sector": 0.5},
}
OWN_DRIVER = {
    "family": "sales_yoy",
    "feature": "growth_yoy",
    "label_es": "Ventas frente al año anterior",
    "label_en": "Sales against a year earlier",
    "value": 0.2,
    "contribution": 0.3,
    "direction": "up",
    "features": ["growth_yoy", "sector_growth_yoy"],
    "facts": {"growth_yoy": 0.2, "sector_region_growth_yoy": 0.1},
}


def test_figures_from_other_businesses_are_taken_out_of_the_drivers():
    from forecasting.reasons import reasons_in_words, without_peer_figures

    peer, own = without_peer_figures([PEER_DRIVER, OWN_DRIVER])

    assert peer["value"] is None and peer["facts"] == {}
    assert peer["contribution"] == 0.4 and peer["direction"] == "up"  # the reason stays
    assert own["value"] == 0.2 and own["facts"] == {"growth_yoy": 0.2}
    # In words, the peer reason is its name alone: no ratio to the group's average.
    text = reasons_in_words([peer])[0]["text"]
    assert "%" not in text and "times" not in text and "veces" not in text


def test_a_withheld_market_keeps_its_figures_out_of_the_advice_drivers(trained, monkeypatch):
    lone = _with_records(1)
    _move_to_empty_division(lone)
    score_business(lone[0].pk)  # builds the snapshot
    snap = scoring_snapshots._snapshot
    monkeypatch.setattr(snap.server, "explain", lambda rows: [[PEER_DRIVER, OWN_DRIVER]])

    score = score_business(lone[0].pk)

    assert score.market_trend["yoy_growth"] is None or score.market_trend["suppressed"]
    by_family = {d["family"]: d for d in score.drivers}
    assert by_family["peers_level"]["facts"] == {} and by_family["peers_level"]["value"] is None
    assert by_family["sales_yoy"]["facts"] == {"growth_yoy": 0.2}


def test_a_published_market_keeps_the_peer_figures(trained, monkeypatch):
    from forecasting.scoring import snapshot

    business = _with_records(1)[0]
    score_business(business.pk)
    snap = scoring_snapshots._snapshot
    monkeypatch.setattr(snap.server, "explain", lambda rows: [[PEER_DRIVER, OWN_DRIVER]])
    published = {"yoy_growth": 0.05, "momentum_3m": 0.01, "suppressed": {}}
    monkeypatch.setattr(snapshot, "market_trend", lambda snap, row: published)

    score = score_business(business.pk)

    assert [d["facts"] for d in score.drivers] == [PEER_DRIVER["facts"], OWN_DRIVER["facts"]]
