"""The es-PE formatting filters every page, export and PDF uses."""

from core.templatetags.asesor_format import percent, rank, signed_percent


def test_a_change_that_rounds_to_zero_has_no_sign():
    assert signed_percent(-0.0001) == "0.0 %"
    assert signed_percent(0.0004) == "0.0 %"
    assert percent(-0.0001) == "0.0 %"


def test_changes_keep_their_sign_and_a_real_minus():
    assert signed_percent(-0.153) == "−15.3 %"
    assert signed_percent(0.08) == "+8.0 %"
    assert signed_percent(-0.004, 0) == "0 %"
    assert percent(-0.153) == "-15.3 %"
    assert percent(None) == "—"


def test_the_page_and_the_report_round_a_rank_alike():
    # the business page showed 63 and the owner's PDF "62 %" for the same percentile rank
    assert rank(62.5) == "63"
    assert percent(62.5 / 100, 0) == "63 %"
    assert percent(0.1225) == "12.3 %"
    assert rank(None) == "—"


def test_instants_read_on_the_lima_clock():
    import datetime as dt

    from core.templatetags.asesor_format import local_datetime, log_stamp

    instant = dt.datetime(2026, 12, 7, 15, 4, 9, tzinfo=dt.UTC)  # 10:04 in Lima
    assert local_datetime(instant) == "07/12/2026 10:04"
    assert log_stamp(instant) == "10:04:09-05:00"
    assert local_datetime(None) == "—"


def test_an_instant_with_its_seconds_reads_on_the_lima_clock_too():
    import datetime as dt

    from core.templatetags.asesor_format import local_datetime

    instant = dt.datetime(2026, 12, 8, 2, 4, 9, tzinfo=dt.UTC)  # the evening before in Lima
    assert local_datetime(instant, seconds=True) == "07/12/2026 21:04:09"
