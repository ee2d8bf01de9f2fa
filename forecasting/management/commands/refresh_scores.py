from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import ngettext

from forecasting.models import LatestScore
from forecasting.predictions.jobs import PredictionJobError
from forecasting.scoring.latest import latest_scores_refresh
from forecasting.scoring.snapshot import ScoringUnavailableError


class Command(BaseCommand):
    help = (
        "Score every business with the production models (a prediction job run here) and "
        "store each one's current score (what the caseload, the business page and the API show)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when scores are already stored.",
        )

    def handle(self, *args, if_empty, **options):
        if if_empty and LatestScore.objects.exists():
            return
        try:
            written = latest_scores_refresh()
        except (ScoringUnavailableError, PredictionJobError) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            ngettext(
                "Latest scores stored for %(n)d business.",
                "Latest scores stored for %(n)d businesses.",
                written,
            )
            % {"n": written}
        )
