"""When a business's data is too old to forecast from: the one home of "stale".

A business is *stale* when its last monthly record is ``STALE_AFTER_MONTHS`` (setting
``ASESOR_STALE_AFTER_MONTHS``, default 6) or more months before the *reference month*: the latest
month in the registry, which is also the cut-off every scoring job, the scoring snapshot and every
advice forecast from. With the default, a business whose last record is 05/2026 is stale once
11/2026 has arrived for anyone. A business with no record at all is not stale: it has no data
(``has_records`` is false) and never says "data up to …".

The product does not present a forecast for the coming months of a stale business as if it were
trading: its forecast and growth probability are *withheld* (stored as unknown), on every surface
(the business page, the caseload, the API, ``manage.py score``), with the reason (:attr:`reason`).
Its peers, its market and the recommendation to bring its records up to date stay.

A business SUNAT's padrón says is deregistered (status BAJA DE OFICIO, BAJA PROV. POR OFICIO,
BAJA DEFINITIVA…: :meth:`SunatStatus.is_deregistered`) is withheld too, whatever its records,
with its own reason (:data:`SUNAT_REASON`: "SUNAT deregistered it on …"); it comes first when
both apply.

Everything that decides staleness calls :func:`stale_flags` (vectorised, for scoring chunks and
the snapshot) or :func:`freshness` (one business); the caseload's filter is
:func:`stale_condition`, the same rule as a query. Their ``sunat`` / ``deregistered`` arguments
come from :func:`sunat_statuses` / :func:`deregistered_flags` (one query for many businesses).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
from django.conf import settings
from django.db import connection
from django.db.models import BooleanField, Exists, Max, OuterRef, Q
from django.db.models.expressions import RawSQL
from django.utils.formats import date_format
from django.utils.translation import gettext, ngettext

from businesses.models import Business, MonthlyRecord, SunatStatus, sunat_of

DEFAULT_STALE_AFTER_MONTHS = 6
STALE_REASON = "no_recent_data"  # the reason's code in the API and in score files
SUNAT_REASON = "sunat_deregistered"  # SUNAT's padrón says the business is deregistered (BAJA…)


def stale_after_months() -> int:
    """Months of silence from which a business's data is too old to forecast from."""
    return max(1, int(getattr(settings, "STALE_AFTER_MONTHS", DEFAULT_STALE_AFTER_MONTHS)))


def _month_index(periods) -> np.ndarray:
    """Months since year 0 of each period (NaN where unknown). Dates, timestamps and None go
    through NumPy's months (one business's advice asks for a handful: pandas' parsing cost
    ~0.5 ms a call); anything NumPy does not take (a float NaN) through pandas."""
    try:
        months = np.asarray(periods, dtype="datetime64[M]")
    except (TypeError, ValueError):
        months = None
    if months is not None:
        count = months.astype(np.int64).astype(float) + (1970 * 12 + 1)
        return np.where(np.isnat(months), np.nan, count)
    index = pd.DatetimeIndex(pd.to_datetime(pd.Series(np.asarray(periods, dtype=object))))
    months = (index.year * 12 + index.month).to_numpy(dtype=float)
    return np.where(index.isna(), np.nan, months)


def months_silent(last_periods, reference) -> np.ndarray:
    """Whole months from each business's last record to ``reference`` (the registry's latest
    month); NaN for a business without records or without a reference."""
    if reference is None or pd.isna(reference):
        return np.full(len(last_periods), np.nan)
    ref = pd.Timestamp(reference)
    return (ref.year * 12 + ref.month) - _month_index(last_periods)


def stale_flags(last_periods, reference, deregistered=None) -> np.ndarray:
    """Which businesses are stale (see the module): vectorised over ``last_periods`` (dates,
    NaT/None where a business has no record) and ``deregistered`` (booleans, SUNAT says BAJA:
    :func:`deregistered_flags`). The one rule; everything else calls it."""
    silent = months_silent(last_periods, reference)
    flags = np.nan_to_num(silent, nan=-1.0) >= stale_after_months()
    if deregistered is not None:
        flags |= np.asarray(deregistered, dtype=bool)
    return flags


def sunat_statuses(business_ids) -> dict[int, SunatStatus]:
    """The SUNAT statuses of ``business_ids`` (one query; a business never read is absent)."""
    ids = [int(b) for b in business_ids]
    return SunatStatus.objects.in_bulk(ids) if ids else {}


def deregistered_flags(business_ids) -> np.ndarray:
    """For each of ``business_ids``: does SUNAT say it is deregistered? (one query)"""
    ids = np.asarray(business_ids, dtype=np.int64)
    if not len(ids):
        return np.zeros(0, dtype=bool)
    statuses = SunatStatus.objects.filter(SunatStatus.deregistered_q(""))
    if connection.vendor == "postgresql":
        # The ids as one array parameter: ``business_id__in`` writes one placeholder per id,
        # and a scoring chunk's 12,500 cost 0.16 s of query building and parsing alone.
        column = f"{connection.ops.quote_name(SunatStatus._meta.db_table)}.business_id"
        statuses = statuses.filter(
            RawSQL(  # noqa: S611 - the model's own table name; the ids are a parameter
                f"{column} = ANY(%s::bigint[])", (ids.tolist(),), output_field=BooleanField()
            )
        )
    else:
        statuses = statuses.filter(business_id__in=ids.tolist())
    found = np.fromiter(statuses.values_list("business_id", flat=True), dtype=np.int64)
    return np.isin(ids, found)


def stored_reason_code(stale: bool, months: int | None) -> str:
    """The reason code of a stored stale flag and months of silence (score files): silence
    when it was long enough, else SUNAT's deregistration."""
    if not stale:
        return ""
    silent = months is not None and months >= stale_after_months()
    return STALE_REASON if silent else SUNAT_REASON


def sunat_reason(status: str, since: dt.date) -> str:
    """The SUNAT reason in words, in the active language: "SUNAT deregistered it on 14/03/2025
    or earlier (BAJA DE OFICIO)…"."""
    return gettext(
        "SUNAT deregistered it on %(day)s or earlier (%(status)s, padrón reducido del RUC). Its "
        "forecast and growth probability are withheld: check whether it still trades."
    ) % {"day": date_format(since, "SHORT_DATE_FORMAT"), "status": status}


def stale_reason(last_period, months: int) -> str:
    """The reason in words, in the active language: "No recent data: no report since 09/2024
    (26 months)"."""
    since = pd.Timestamp(last_period).strftime("%m/%Y")
    return ngettext(
        "No recent data: no report since %(month)s (%(months)d month). Its forecast and growth "
        "probability are withheld until new records arrive.",
        "No recent data: no report since %(month)s (%(months)d months). Its forecast and growth "
        "probability are withheld until new records arrive.",
        months,
    ) % {"month": since, "months": months}


@dataclass(frozen=True)
class Freshness:
    """How current one business's data is against the registry's latest month."""

    has_records: bool
    last_period: dt.date | None
    reference: dt.date | None
    months_silent: int | None
    stale: bool
    # SUNAT's status when it says the business is deregistered (BAJA…), and since when
    sunat_status: str = ""
    sunat_since: dt.date | None = None

    @property
    def deregistered(self) -> bool:
        return bool(self.sunat_status)

    @property
    def reason(self) -> str:
        """Why the forecast is withheld (empty when the business is not stale)."""
        if not self.stale:
            return ""
        if self.deregistered:
            return sunat_reason(self.sunat_status, self.sunat_since)
        return stale_reason(self.last_period, self.months_silent)

    @property
    def reason_code(self) -> str:
        if not self.stale:
            return ""
        return SUNAT_REASON if self.deregistered else STALE_REASON


def freshness(
    last_period: dt.date | None, reference: dt.date | None, sunat: SunatStatus | None = None
) -> Freshness:
    """One business's :class:`Freshness` from its last record's month, the reference and what
    SUNAT's padrón says of it (its :class:`SunatStatus`, None if never read)."""
    silent = months_silent([last_period], reference)[0]
    deregistered = sunat is not None and sunat.deregistered
    return Freshness(
        has_records=last_period is not None,
        last_period=last_period,
        reference=reference,
        months_silent=None if np.isnan(silent) else int(silent),
        stale=bool(stale_flags([last_period], reference, [deregistered])[0]),
        sunat_status=sunat.status if deregistered else "",
        sunat_since=sunat.status_since if deregistered else None,
    )


def business_sunat(business: Business | int) -> SunatStatus | None:
    """The business's SUNAT status: the one loaded with it (``select_related("sunat")``), else
    one query (kept on a business given whole, for whatever reads it next); None if the padrón
    was never read for it."""
    if isinstance(business, Business):
        return sunat_of(business)
    return SunatStatus.objects.filter(business_id=business).first()


def registry_latest_month() -> dt.date | None:
    """The reference month: the latest month of any business's records (an index lookup)."""
    return MonthlyRecord.objects.aggregate(latest=Max("period"))["latest"]


_UNREAD = object()


def business_freshness(
    business: Business | int, *, reference: dt.date | None = None, last_period=_UNREAD
) -> Freshness:
    """How current ``business``'s data is (two index lookups, one given ``reference``, none
    but the reference's given ``last_period``: its latest record's month, None if it has none,
    for a caller that has read its records already)."""
    if last_period is _UNREAD:
        business_id = business if isinstance(business, int) else business.pk
        records = MonthlyRecord.objects.filter(business_id=business_id)
        last_period = records.aggregate(m=Max("period"))["m"]
    if reference is None:
        reference = registry_latest_month()
    return freshness(last_period, reference, business_sunat(business))


def month_before(reference: dt.date, months: int) -> dt.date:
    """The first day of the month ``months`` months before ``reference``."""
    month = reference.year * 12 + reference.month - 1 - int(months)
    return dt.date(month // 12, month % 12 + 1, 1)


def stale_since(reference: dt.date) -> dt.date:
    """The latest last-record month that is stale against ``reference``."""
    return month_before(reference, stale_after_months())


def stale_condition(reference: dt.date | None = None) -> Q:
    """The stale businesses as a condition on :class:`Business` (the caseload's filter and
    alert): it has records, none of them after :func:`stale_since` (index lookups); or SUNAT
    says it is deregistered."""
    if reference is None:
        reference = registry_latest_month()
    deregistered = SunatStatus.deregistered_q()
    if reference is None:
        return deregistered
    records = MonthlyRecord.objects.filter(business=OuterRef("pk"))
    silent = Q(Exists(records)) & ~Q(Exists(records.filter(period__gt=stale_since(reference))))
    return silent | deregistered
