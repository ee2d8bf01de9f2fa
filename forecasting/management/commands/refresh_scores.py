import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import ngettext

from forecasting.advice.services import advice_batch_refresh
from forecasting.models import LatestScore
from forecasting.predictions.jobs import PredictionJobError
from forecasting.scoring.latest import latest_scores_refresh
from forecasting.scoring.snapshot import ScoringUnavailableError


class Command(BaseCommand):
    help = (
        "Score every business with the production models (a prediction job run here), store "
        "each one's current score (what the caseload, the business page and the API show) and "
        "bring every business's advice up to date (drivers, peers, recommendations)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Score nothing when scores are already stored (advice still missing is made).",
        )

    def handle(self, *args, if_empty, **options):
        try:
            if not (if_empty and LatestScore.objects.exists()):
                written = latest_scores_refresh(advice=False)
                self.stdout.write(
                    ngettext(
                        "Latest scores stored for %(n)d business.",
                        "Latest scores stored for %(n)d businesses.",
                        written,
                    )
                    % {"n": written}
                )
            started = time.perf_counter()
            advice = advice_batch_refresh()
        except (ScoringUnavailableError, PredictionJobError) as error:
            raise CommandError(str(error)) from error
        if advice["computed"]:
            self.stdout.write(
                ngettext(
                    "Advice brought up to date for %(n)d business in %(s).1f s.",
                    "Advice brought up to date for %(n)d businesses in %(s).1f s.",
                    advice["computed"],
                )
                % {"n": advice["computed"], "s": time.perf_counter() - started}
            )
