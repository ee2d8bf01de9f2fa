"""Data drift of the production models, measured on the latest month of data.

Each model version keeps its training data's per-feature distribution in
``data_summary["feature_distribution"]`` (written by forecasting.lifecycle.training from the
estimator's ``reference_distribution_``). :func:`drift_measure` builds (or reuses) the scoring
snapshot —
the feature frame of every business at the latest month — and stores the PSI of every feature
in :class:`forecasting.models.FeatureDrift`, which /metrics exposes as ``asesor_feature_drift_psi``.
It runs in a worker (celery beat, after the nightly re-scoring), never during a scrape: the
features of 100,000 businesses take seconds.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from forecasting.engine.drift import feature_psi
from forecasting.models import FeatureDrift, ModelVersion

logger = logging.getLogger(__name__)


def drift_store(*, version: ModelVersion, psi: dict[str, float], period) -> int:
    """Replace ``version``'s drift rows with ``psi`` (feature → index) measured on ``period``."""
    now = timezone.now()
    rows = [
        FeatureDrift(
            model_version=version, feature=name[:100], psi=value, period=period, measured_at=now
        )
        for name, value in sorted(psi.items())
    ]
    with transaction.atomic():
        FeatureDrift.objects.filter(model_version=version).delete()
        FeatureDrift.objects.bulk_create(rows)
    return len(rows)


def drift_measure() -> dict[str, int]:
    """PSI of every feature of every production model with a stored training distribution
    against the latest month; returns the number of features measured per kind."""
    from forecasting.scoring.snapshot import scoring_warm

    snapshot = scoring_warm()
    if snapshot is None or snapshot.cutoff is None or snapshot.features.empty:
        return {}
    measured = {}
    for version in ModelVersion.objects.filter(status=ModelVersion.Status.PRODUCTION):
        reference = (version.data_summary or {}).get("feature_distribution")
        if not reference:
            continue
        psi = feature_psi(reference, snapshot.features)
        measured[version.kind] = drift_store(
            version=version, psi=psi, period=snapshot.cutoff.date()
        )
        worst = max(psi.items(), key=lambda item: item[1], default=("-", 0.0))
        logger.info("drift of %s v%s: worst %s %.3f", version.kind, version.version, *worst)
    return measured
