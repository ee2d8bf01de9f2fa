"""Statistical disclosure control: the rules every published market statistic goes through.

:mod:`businesses.market` computes the figures (the one trend definition); this module decides
which of them may be shown to whom, the way statistics offices protect business tables (ONS,
Eurostat's and Statistics Netherlands' tau-argus, sdcMicro):

1. **Trusted contributors only** (:func:`contributing_records`). A business a partner system
   created, or whose monthly records a partner posted, never enters a statistic: a partner's
   own figures are known to it (padding) and unchecked (a fake business could move anyone's
   market). Statistics are computed from what stewards imported, the official and demo data,
   and what advisors keep.
2. **Threshold rule** (``ASESOR_DISCLOSURE_MIN_CONTRIBUTORS``, default 5). A cell is shown only
   when at least that many contributors are *not controlled by the requester*: the requester's
   own businesses (:func:`requester_for`) do not count. They stay in the figure itself, which
   is the same for everyone ("one truth per figure"): publishing the whole total to someone who
   knows part of it, with the rules judged on the rest, tells them exactly what publishing the
   rest would, no more.
3. **Dominance rules**, on what the requester does not know: the (2, k) rule — the two largest
   other contributors make up more than k % (``ASESOR_DISCLOSURE_DOMINANCE_K``, 85) of the total
   minus the requester's own part — and the p % rule (``ASESOR_DISCLOSURE_P_PERCENT``, 10): the
   requester together with the second largest contributor could estimate the largest within
   p %.
4. **Secondary suppression against differencing.** A region's total is the sum of its sectors:
   when some sectors are withheld, the withheld cells together must pass the rules, else the
   next smallest sector is withheld too (and the region's total when none is left). Over time,
   a 12-month total is the sum of its months, and a growth rate over a matched panel set beside
   the month's level gives away whoever joined or left: a 12-month total is shown only when
   every month in it is, and a growth rate only when every month it spans is shown, the panel
   itself passes the rules and the businesses outside the panel at either end are none or a
   group that passes them.

A withheld figure is never blank or zero: the surfaces show it as withheld with its reason
(:data:`REASONS`), in the pages, the API (``suppressed``) and the files.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

OK, FEW, DOMINANCE, COMPLEMENT = "", "few", "dominance", "complement"
REASONS = {
    FEW: _("Withheld: too few businesses besides your own contribute to it."),
    DOMINANCE: _("Withheld: one or two businesses make up most of it."),
    COMPLEMENT: _(
        "Withheld: with the figures around it, it would reveal a withheld figure or one "
        "business's sales."
    ),
}
_CODES = {OK: 0, FEW: 1, DOMINANCE: 2, COMPLEMENT: 3}
_NAMES = {v: k for k, v in _CODES.items()}
COMPLEMENT_CODE = _CODES[COMPLEMENT]


@dataclass(frozen=True)
class Rules:
    min_contributors: int = 5
    dominance_k: float = 0.85  # (2, k) rule
    p: float = 0.10  # p % rule


def rules() -> Rules:
    """The rules in force (settings ``DISCLOSURE_*``, environment ``ASESOR_DISCLOSURE_*``)."""
    return Rules(
        min_contributors=max(1, int(settings.DISCLOSURE_MIN_CONTRIBUTORS)),
        dominance_k=float(settings.DISCLOSURE_DOMINANCE_K) / 100,
        p=float(settings.DISCLOSURE_P_PERCENT) / 100,
    )


def reason_text(code: str) -> str:
    """The reader's text of a reason code (Spanish or English)."""
    return str(REASONS.get(code, REASONS[COMPLEMENT]))


# ---------------------------------------------------------------------------- who asks


@dataclass(frozen=True)
class Requester:
    """Who a statistic is published to: the businesses whose figures they hold.

    ``controlled``: business ids that do not count as contributors for them (None: nobody's).
    ``holders``: instead of one requester, the figure is for whoever may see it (an advice,
    stored and shown to each viewer of its business): each mapping gives business id ->
    holder, and a cell must be safe against the holder with most businesses in it."""

    controlled: frozenset[int] = frozenset()
    holders: tuple[dict[int, int], ...] = ()

    @property
    def key(self) -> str:
        digest = hashlib.sha256(",".join(map(str, sorted(self.controlled))).encode())
        return ("h" if self.holders else "r") + digest.hexdigest()[:16]


NOBODY = Requester()


def requester_for(user) -> Requester:
    """The businesses ``user`` controls, which never count towards a cell they read.

    - advisor: their caseload; partner: its scope (what it submitted — already out of every
      statistic — and what it was granted): they hold those businesses' figures;
    - supervisor: the businesses assigned to them as an advisor. A coordinator may open every
      business of her regions one by one, so a market figure tells her nothing she cannot read
      directly; counting her whole region as hers would withhold every cell of it from her;
    - steward, superuser, analyst and anyone else: none (they may read the records, or hold
      none).
    """
    from businesses.models import Business, PartnerGrant
    from core import roles

    if not (getattr(user, "is_authenticated", False) and user.is_active):
        return NOBODY
    if roles.sees_every_business(user):
        return NOBODY
    names = roles.role_names(user)
    ids: set[int] = set()
    if roles.ADVISOR in names or roles.SUPERVISOR in names:
        ids |= set(Business.objects.filter(advisor=user).values_list("pk", flat=True))
    if roles.PARTNER in names:
        ids |= set(
            PartnerGrant.objects.filter(partner__user=user).values_list("business_id", flat=True)
        )
    return Requester(controlled=frozenset(ids))


def viewers_of_any_business() -> Requester:
    """For a figure stored with a business and shown to whoever sees it (the advice's market
    trend): safe against every advisor's caseload and every partner's scope."""
    from businesses.models import Business, PartnerGrant

    advisors = dict(Business.objects.filter(advisor__isnull=False).values_list("pk", "advisor_id"))
    partners = dict(PartnerGrant.objects.values_list("business_id", "partner_id"))
    return Requester(holders=(advisors, partners))


# ---------------------------------------------------------------------------- who contributes


def untrusted_businesses() -> QuerySet:
    """Ids of the businesses a partner created or fed: never a contributor to a statistic."""
    from businesses.models import Business, DataImport, MonthlyRecord, PartnerGrant, Source

    partner_imports = DataImport.objects.filter(uploaded_by__partner__isnull=False).values("pk")
    fed = MonthlyRecord.objects.filter(source_import__in=partner_imports).values("business_id")
    submitted = PartnerGrant.objects.filter(reason=PartnerGrant.Reason.SUBMITTED).values(
        "business_id"
    )
    return Business.objects.filter(
        Q(source=Source.API) | Q(pk__in=submitted) | Q(pk__in=fed)
    ).values("pk")


def contributing_records(records: QuerySet | None = None) -> QuerySet:
    """The monthly records that statistics are computed from (trusted contributors only)."""
    from businesses.models import MonthlyRecord

    records = MonthlyRecord.objects.all() if records is None else records
    return records.exclude(business_id__in=untrusted_businesses())


# ---------------------------------------------------------------------------- the rules


@dataclass
class CellStats:
    """Per cell (groups x months): contributors, those outside the requester's control, the
    total, the requester's part of it, and the two largest contributions outside it."""

    n: np.ndarray
    n_free: np.ndarray
    total: np.ndarray
    own: np.ndarray
    x1: np.ndarray
    x2: np.ndarray


class Groups:
    """Which businesses make up each cell: membership pairs (a business row, its group; a
    business may be in several groups, e.g. its sector x region and its region's total), kept
    sorted by group so that every group sum or maximum is one ``reduceat``."""

    def __init__(self, rows: np.ndarray, codes: np.ndarray, n_groups: int):
        order = np.argsort(codes, kind="stable")
        self.rows, self.codes, self.n = rows[order], codes[order], n_groups
        self.starts = np.flatnonzero(np.r_[True, self.codes[1:] != self.codes[:-1]])
        self.starts = self.starts if len(self.codes) else self.starts[:0]
        if len(self.starts) != n_groups:
            raise ValueError("every group needs at least one member")

    def sum(self, matrix: np.ndarray) -> np.ndarray:
        """Group sums (groups x months) of a businesses x months matrix."""
        return self.reduce(matrix[self.rows], np.add)

    def reduce(self, members: np.ndarray, ufunc) -> np.ndarray:
        """``ufunc`` over each group of a members x months matrix (rows in :attr:`rows` order)."""
        if not self.n:
            return np.zeros((0, members.shape[1]))
        return ufunc.reduceat(members, self.starts, axis=0)


def cell_stats(
    values: np.ndarray,
    present: np.ndarray,
    groups: Groups,
    controlled: np.ndarray,
    holders: Sequence[np.ndarray] = (),
) -> CellStats:
    """:class:`CellStats` of every group. ``values``/``present``: businesses x months;
    ``controlled``: per business row, the requester's; ``holders``: per business row, a holder
    label (-1: none) for each kind of holder."""
    rows, codes = groups.rows, groups.codes
    months = values.shape[1]
    pres = present[rows].astype(bool)
    vals = np.where(pres, values[rows], 0.0)
    mine = controlled[rows][:, None] & pres
    free = pres & ~mine

    def add(matrix):
        return groups.reduce(matrix, np.add)

    n, n_mine = add(pres.astype(float)), add(mine.astype(float))
    for labels in holders:  # the holder with most businesses in each cell
        label = labels[rows]
        held = label >= 0
        if not held.any():
            continue
        pairs, pair_index = np.unique(
            np.stack([codes[held], label[held]], axis=1), axis=0, return_inverse=True
        )
        counts = np.zeros((len(pairs), months))
        np.add.at(counts, pair_index.ravel(), pres[held].astype(float))
        most = np.zeros((groups.n, months))
        np.maximum.at(most, pairs[:, 0], counts)
        n_mine = np.maximum(n_mine, most)
    ranked = np.where(free, vals, -np.inf)
    x1 = groups.reduce(ranked, np.maximum)
    top = free & (ranked == x1[codes])
    ties = add(top.astype(float))
    x2 = groups.reduce(np.where(top, -np.inf, ranked), np.maximum)
    x2 = np.where(ties >= 2, x1, x2)
    return CellStats(
        n=n,
        n_free=n - n_mine,
        total=add(vals),
        own=add(np.where(mine, vals, 0.0)),
        x1=np.where(np.isfinite(x1), x1, 0.0),
        x2=np.where(np.isfinite(x2), x2, 0.0),
    )


def sensitive(stats: CellStats, rule: Rules) -> np.ndarray:
    """Primary suppression: per cell, 0 (publishable) or the code of the rule it fails."""
    others = np.maximum(stats.total - stats.own, 0.0)
    remainder = others - stats.x1 - stats.x2
    dominated = (stats.x1 + stats.x2 > rule.dominance_k * others) & (others > 0)
    dominated &= rule.dominance_k < 1  # k = 100 %: the rule is off
    if rule.p > 0:  # p = 0: the rule is off
        dominated |= remainder < rule.p * stats.x1
    out = np.zeros(stats.n.shape, dtype=np.int8)
    out[(stats.n > 0) & dominated] = _CODES[DOMINANCE]
    out[(stats.n > 0) & (stats.n_free < rule.min_contributors)] = _CODES[FEW]
    return out


def unsafe_difference(stats: CellStats, rule: Rules) -> np.ndarray:
    """Whether a group of businesses (the difference between two published populations) would
    be revealed: some outside the requester's control, and it fails the rules."""
    return (stats.n_free > 0) & (sensitive(stats, rule) > 0)


def _sensitive_sums(n, n_free, total, own, x1, x2, rule: Rules) -> bool:
    """:func:`sensitive` of one cell given as plain numbers (a union of cells: its sums and
    its two largest contributions outside the requester's control)."""
    if n <= 0:
        return False
    if n_free < rule.min_contributors:
        return True
    others = max(total - own, 0.0)
    if rule.dominance_k < 1 and others > 0 and x1 + x2 > rule.dominance_k * others:
        return True
    return rule.p > 0 and others - x1 - x2 < rule.p * x1


def protect_totals(
    status: np.ndarray, stats: CellStats, partition: dict[int, list[int]], rule: Rules
) -> np.ndarray:
    """Secondary suppression of additive cells: for each total (a group whose cells are
    ``partition[total]``) and month, the withheld cells together must pass the rules, else
    the smallest published cell is withheld too, and the total when none is left. (The
    union's sums are kept as cells join it: one pass per total and month.)"""
    status = status.copy()
    code = _CODES[COMPLEMENT]
    for total, cells in partition.items():
        cells = np.asarray(cells)
        if not len(cells):
            continue
        present = stats.n[cells] > 0
        withheld_any = (status[cells] > 0) & present
        for m in np.flatnonzero(withheld_any.any(axis=0) & (status[total] == 0)):
            hidden = cells[withheld_any[:, m]]
            n, n_free = float(stats.n[hidden, m].sum()), float(stats.n_free[hidden, m].sum())
            tot, own = float(stats.total[hidden, m].sum()), float(stats.own[hidden, m].sum())
            tops = sorted(np.concatenate([stats.x1[hidden, m], stats.x2[hidden, m]]).tolist())
            x1, x2 = (tops[-1], tops[-2]) if len(tops) > 1 else (tops[-1], 0.0)
            shown = cells[(status[cells, m] == 0) & present[:, m]]
            shown = shown[np.lexsort((shown, stats.total[shown, m]))].tolist()
            while _sensitive_sums(n, n_free, tot, own, x1, x2, rule):
                if not shown:
                    status[total, m] = code
                    break
                extra = shown.pop(0)
                status[extra, m] = code
                n += stats.n[extra, m]
                n_free += stats.n_free[extra, m]
                tot += stats.total[extra, m]
                own += stats.own[extra, m]
                x1, x2 = sorted((x1, x2, stats.x1[extra, m], stats.x2[extra, m]))[-1:-3:-1]
    return status


def covered(status: np.ndarray, span: int) -> np.ndarray:
    """Per cell: 0 when the cell and the ``span - 1`` months before it are all published, else
    the cell's own code, or :data:`COMPLEMENT` when only an earlier month is withheld."""
    bad = (status > 0).astype(np.int64)
    csum = np.concatenate([np.zeros((bad.shape[0], 1), dtype=np.int64), bad.cumsum(axis=1)], 1)
    end = np.arange(1, bad.shape[1] + 1)
    start = np.clip(end - span, 0, None)
    any_bad = (csum[:, end] - csum[:, start]) > 0
    return np.where(status > 0, status, np.where(any_bad, _CODES[COMPLEMENT], 0)).astype(np.int8)


def code_name(code: int) -> str:
    return _NAMES[int(code)]
