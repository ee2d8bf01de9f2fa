import json

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from forecasting.lifecycle.evaluation import evaluate_production
from forecasting.models import ModelVersion


class Command(BaseCommand):
    help = (
        "Backtest the production models on the current data against the baselines (and the "
        "oracle, on synthetic demo data)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="Print one JSON object.")

    def handle(self, *args, json: bool, **options):
        if not ModelVersion.objects.filter(status=ModelVersion.Status.PRODUCTION).exists():
            raise CommandError(_("There is no production model: run 'manage.py train' first."))
        report = evaluate_production()
        if json:
            self.stdout.write(_dumps(report))
            return
        for h, m in report.get("forecaster", {}).get("horizons", {}).items():
            if m["rmse"] is None:  # a short history holds no target this far ahead
                self.stdout.write(f"h={h}: " + _("not measured (no held-out month this far)"))
                continue
            base = m["baselines"]["seasonal_naive"]["rmse"]
            oracle = m.get("oracle", {}).get("rmse")
            self.stdout.write(
                f"h={h}: RMSE {m['rmse']:.3f} (seasonal naive {base:.3f}"
                + (f", oracle {oracle:.3f}" if oracle is not None else "")
                + f"), coverage p10-p90 {m['coverage_p10_p90']:.2f}"
            )
        g = report.get("growth")
        if g and not g.get("measured", True):
            self.stdout.write(_("growth: not measured (%(reason)s)") % {"reason": g["reason"]})
        elif g:
            self.stdout.write(
                f"growth: ROC-AUC {g['roc_auc']:.3f}, PR-AUC {g['pr_auc']:.3f}, Brier "
                f"{g['brier']:.3f} (base rate {g['brier_base_rate']:.3f})"
                + (f", oracle AUC {g['oracle_roc_auc']:.3f}" if "oracle_roc_auc" in g else "")
            )


def _dumps(report: dict) -> str:
    from forecasting.engine.jsontypes import to_json_types

    return json.dumps(to_json_types(report), ensure_ascii=False)
