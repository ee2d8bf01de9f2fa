"""Reads about data sources: which are due for a pull, which are failing."""

from __future__ import annotations

import datetime as dt

from django.db.models import F, QuerySet
from django.utils import timezone

from businesses.models import DataSource

# After a failed pull, try again after 15 min, 30 min, 1 h… but never later than the regular
# interval.
FIRST_RETRY = dt.timedelta(minutes=15)
# A source that failed this many times in a row is reported as failing (admin, /readyz).
FAILING_AFTER = 3


def source_next_pull_at(source: DataSource) -> dt.datetime | None:
    """When ``source`` is due next (None: now, it was never pulled)."""
    if source.last_pull_at is None:
        return None
    wait = source.pull_interval
    if source.last_pull_status == DataSource.PullStatus.FAILED and source.consecutive_failures:
        wait = min(wait, FIRST_RETRY * 2 ** min(source.consecutive_failures - 1, 12))
    return source.last_pull_at + wait


def source_backoff_until(source: DataSource) -> dt.datetime | None:
    """Until when a source whose last pull failed is left alone (15 min, 30 min, 1 h… after
    that pull, never longer than its update interval); None when its last pull did not fail."""
    if source.last_pull_status != DataSource.PullStatus.FAILED or source.last_pull_at is None:
        return None
    failures = max(source.consecutive_failures, 1)
    return source.last_pull_at + min(source.pull_interval, FIRST_RETRY * 2 ** min(failures - 1, 12))


def sources_due(*, now: dt.datetime | None = None) -> list[DataSource]:
    """Enabled automatic sources whose update frequency (or retry backoff) says pull now."""
    now = now or timezone.now()
    candidates = DataSource.objects.filter(enabled=True).exclude(kind=DataSource.Kind.MANUAL)
    due = []
    for source in candidates.order_by("name"):
        next_at = source_next_pull_at(source)
        if next_at is None or next_at <= now:
            due.append(source)
    return due


def sources_failing() -> QuerySet[DataSource]:
    """Enabled sources whose last pulls failed repeatedly, for health reports."""
    return DataSource.objects.filter(
        enabled=True, consecutive_failures__gte=FAILING_AFTER
    ).order_by("name")


def indicator_values_known_at(at: dt.datetime) -> list[tuple]:
    """The market indicator values as they were known at ``at``: (sector, region, period, name,
    value) rows, rebuilt from the current values and their revisions.

    A value counts from when it arrived (its pull time, else its data version's creation); a
    value revised after ``at`` is given as it was before that revision; a value that arrived
    after ``at`` is left out. Lets a backtest use what was known at each cut-off.
    """
    from businesses.models import IndicatorRevision, MarketIndicator

    first_arrival: dict[int, dt.datetime | None] = {}
    known_then: dict[int, float] = {}
    for (
        indicator,
        old_value,
        revised_at,
        old_pulled_at,
        old_created,
    ) in IndicatorRevision.objects.order_by("indicator_id", "revised_at", "pk").values_list(
        "indicator_id", "old_value", "revised_at", "old_pulled_at", "old_import__created_at"
    ):
        first_arrival.setdefault(indicator, old_pulled_at or old_created)
        if revised_at > at:
            known_then.setdefault(indicator, old_value)
    rows = []
    for pk, sector, region, period, name, value, pulled_at, created in (
        MarketIndicator.objects.order_by("name", "period").values_list(
            "pk", "sector_id", "region_id", "period", "name", "value", "pulled_at",
            "source_import__created_at",
        )
    ):  # fmt: skip
        arrival = first_arrival.get(pk, pulled_at or created)
        if arrival is not None and arrival > at:
            continue
        rows.append((sector, region, period, name, known_then.get(pk, value)))
    return rows


def indicator_provenance(*, name: str, sector: str | None, region: str | None) -> dict | None:
    """Where a series shown on a page comes from: the source of its latest month, that month,
    and when it was received (pulled, or imported) — for "Fuente: BCRPData, actualizado …".

    ``region`` falls back to the national series (no region) as the market page does. None when
    the series has no values.
    """
    from django.db.models import Q

    from businesses.models import MarketIndicator

    latest = (
        MarketIndicator.objects.filter(name=name, sector_id=sector)
        .filter(Q(region_id=region) | Q(region__isnull=True) if region else Q(region__isnull=True))
        .order_by("-period", F("region_id").desc(nulls_last=True))
        # the six values shown, not the rows (the business page reads this on every view)
        .values(
            "period", "pulled_at", "source_import_id", "source__name", "source__provider",
            "source_import__created_at",
        )
        .first()
    )  # fmt: skip
    if latest is None:
        return None
    return {
        "source": latest["source__name"],
        "provider": latest["source__provider"],
        "last_period": latest["period"],
        "received_at": latest["pulled_at"] or latest["source_import__created_at"],
        "data_version": latest["source_import_id"],
    }
