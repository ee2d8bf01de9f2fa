"""Regional onboarding from SUNAT's padrón (an option of the SUNAT source, off by default).

After a padrón is read, a second pass over the same file lists the taxpayers the registry does not
know that match criteria the padrón itself carries — it has no CIIU: ubigeo prefixes (department,
province or district), the kind of RUC (20… companies, 10… persons with business), status ACTIVO
and condition HABIDO — as :class:`~businesses.models.SunatCandidate` rows (added, or refreshed
when seen again; never deleted). Their region is the ubigeo's department.

A candidate is not a business: a business belongs to a CIIU division, which the padrón does not
give, and inventing one would put it among the wrong peers, programmes and forecasts. A steward
chooses its sector and registers it (:func:`sunat_candidates_register`): the business is created
through the registry's own :func:`~businesses.services.business_create` with source ``sunat``,
linked from its candidate (the run and file it came from), with its SUNAT status recorded.

The pass is separate from the reconciliation so that the reconciliation's hot path stays as it is;
lines are screened on their bytes (RUC type, ``|ACTIVO|HABIDO|``) before any is parsed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from businesses.models import (
    Business,
    Region,
    Source,
    SunatCandidate,
    SunatOnboarding,
    SunatPadronRun,
    SunatRevision,
    SunatStatus,
)
from businesses.sunat.padron import PadronRow, ReadStats, padron_lines, parse_line

BATCH = 2000
_ACTIVE_LOCATED = b"|" + SunatStatus.ACTIVE.encode() + b"|" + SunatStatus.LOCATED.encode() + b"|"
_CANDIDATE_FIELDS = ["legal_name", "status", "condition", "ubigeo", "region", "address"]


@dataclass(frozen=True)
class OnboardingCriteria:
    ubigeo_prefixes: tuple[str, ...]
    ruc_types: tuple[str, ...]

    @classmethod
    def of(cls, option: SunatOnboarding) -> OnboardingCriteria:
        return cls(tuple(option.prefixes()), tuple(option.ruc_types()))

    def matches(self, row: PadronRow) -> bool:
        return (
            row.ruc[:2] in self.ruc_types
            and row.status == SunatStatus.ACTIVE
            and row.condition == SunatStatus.LOCATED
            and any(row.ubigeo.startswith(p) for p in self.ubigeo_prefixes)
        )


def sunat_onboarding_scan(*, path: Path, run: SunatPadronRun, criteria: OnboardingCriteria) -> int:
    """List the padrón's taxpayers at ``path`` that match ``criteria`` and that the registry
    does not know as candidates (seen by ``run``); returns how many were added or refreshed.
    Lines that cannot be read were reported by the reconciliation and are skipped here."""
    if not criteria.ubigeo_prefixes or not criteria.ruc_types:
        return 0
    types = tuple(t.encode() for t in criteria.ruc_types)
    known = set(Business.objects.values_list("ruc", flat=True).iterator(chunk_size=10_000))
    regions = set(Region.objects.values_list("code", flat=True))
    stats = ReadStats()
    batch: dict[str, SunatCandidate] = {}
    count = 0
    for number, raw in enumerate(padron_lines(path), start=1):
        if not raw.startswith(types) or _ACTIVE_LOCATED not in raw:
            continue
        row = parse_line(raw, number, stats)
        if not isinstance(row, PadronRow) or not criteria.matches(row) or row.ruc in known:
            continue
        if row.ubigeo[:2] not in regions:
            continue
        batch[row.ruc] = SunatCandidate(
            ruc=row.ruc,
            legal_name=row.name[:200],
            status=row.status,
            condition=row.condition,
            ubigeo=row.ubigeo,
            region_id=row.ubigeo[:2],
            address=row.address()[:300],
            first_seen_on=run.seen_on,
            seen_on=run.seen_on,
            run=run,
        )
        if len(batch) >= BATCH:
            count += _upsert(batch)
    count += _upsert(batch)
    return count


def _upsert(batch: dict[str, SunatCandidate]) -> int:
    if not batch:
        return 0
    with transaction.atomic():
        SunatCandidate.objects.bulk_create(
            batch.values(),
            update_conflicts=True,
            unique_fields=["ruc"],
            update_fields=[*_CANDIDATE_FIELDS, "seen_on", "run"],  # first_seen_on stays
        )
    n = len(batch)
    batch.clear()
    return n


@dataclass
class Registered:
    created: list[Business]
    skipped: list[tuple[SunatCandidate, str]]  # and why


def sunat_candidates_register(*, candidates, user) -> Registered:
    """Register each candidate that has a sector and no business yet as a business (source
    ``sunat``), through :func:`businesses.services.business_create`, with its SUNAT status and
    first-sighting revisions as the reconciliation would have written them."""
    from businesses.services import business_create

    outcome = Registered(created=[], skipped=[])
    for candidate in candidates:
        if candidate.business_id is not None:
            outcome.skipped.append((candidate, "registered"))
            continue
        if candidate.sector_id is None:
            outcome.skipped.append((candidate, "sector"))
            continue
        try:
            with transaction.atomic():
                business = business_create(
                    user=user,
                    ruc=candidate.ruc,
                    legal_name=candidate.legal_name,
                    sector=candidate.sector,
                    ubigeo=candidate.ubigeo,
                    source=Source.SUNAT,
                )
                _record_status(business, candidate)
                candidate.business, candidate.registered_by = business, user
                candidate.registered_at = timezone.now()
                candidate.save(update_fields=["business", "registered_by", "registered_at"])
        except ValidationError as error:
            outcome.skipped.append((candidate, "; ".join(error.messages)))
            continue
        outcome.created.append(business)
    return outcome


def _record_status(business: Business, candidate: SunatCandidate) -> None:
    run = candidate.run
    SunatStatus.objects.create(
        business=business,
        status=candidate.status,
        status_since=candidate.first_seen_on,
        condition=candidate.condition,
        condition_since=candidate.first_seen_on,
        ubigeo=candidate.ubigeo,
        legal_name=candidate.legal_name,
        address=candidate.address,
        seen_on=candidate.seen_on,
        run=run,
    )
    SunatRevision.objects.bulk_create(
        SunatRevision(
            business=business,
            field=field,
            old="",
            new=value,
            seen_on=candidate.seen_on,
            sha256=run.sha256,
            run=run,
        )
        for field, value in (
            (SunatRevision.Field.STATUS, candidate.status),
            (SunatRevision.Field.CONDITION, candidate.condition),
        )
    )
