from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from tqdm import tqdm

from forecasting.lifecycle.training import training_run_create, training_run_execute
from forecasting.models import ModelKind, ModelVersion, TrainingRun


class Command(BaseCommand):
    help = "Train the sales forecaster and/or the growth classifier in the foreground."

    def add_arguments(self, parser):
        parser.add_argument("--kind", choices=["forecaster", "growth", "all"], default="all")
        parser.add_argument(
            "--promote",
            action="store_true",
            help="Promote the new versions even if they do not beat production.",
        )
        parser.add_argument(
            "--if-missing",
            action="store_true",
            help="Train only the kinds that have no production version yet.",
        )

    def handle(self, *args, kind, promote, if_missing, **options):
        kinds = [ModelKind.FORECASTER, ModelKind.GROWTH] if kind == "all" else [kind]
        if if_missing:
            present = set(
                ModelVersion.objects.filter(status=ModelVersion.Status.PRODUCTION).values_list(
                    "kind", flat=True
                )
            )
            kinds = [k for k in kinds if k not in present]
            if not kinds:
                self.stdout.write(_("Production models exist; nothing to train."))
                return
        run_kind = "all" if len(kinds) == 2 else kinds[0]
        run = training_run_create(kind=run_kind, promote=promote)
        bar = tqdm(total=100, desc=_("training"), unit="%", disable=options["verbosity"] == 0)

        def progress(stage: str, percent: int) -> None:
            bar.set_description(stage[:60])
            bar.update(max(percent - bar.n, 0))

        run = training_run_execute(run.pk, progress=progress)
        bar.close()
        if run.status != TrainingRun.Status.SUCCEEDED:
            raise CommandError(
                _("Training run %(id)d failed: %(error)s") % {"id": run.pk, "error": run.error}
            )
        for version in run.model_versions.order_by("kind"):
            self.stdout.write(
                f"{version.get_kind_display()} v{version.version}: "
                f"{version.get_status_display()} ({version.training_seconds} s)"
            )
