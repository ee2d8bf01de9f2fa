"""A forecast whose two models disagree (``models_disagree`` in any of its first three months) is
uncertain too (forecasting.scoring.latest.UNCERTAIN_FLAGS): the current scores already stored
are brought under the rule, from the advice or the job result each one was taken from."""

from django.db import migrations, models
from django.db.models import Exists, OuterRef, Q

FIRST_MONTHS = (1, 2, 3)


def uncertain_where_models_disagree(apps, schema_editor):
    LatestScore = apps.get_model("forecasting", "LatestScore")
    PredictionResult = apps.get_model("forecasting", "PredictionResult")
    certain = LatestScore.objects.filter(uncertain=False)
    disagree = Q()
    for h in FIRST_MONTHS:
        disagree |= Q(**{f"models_disagree_h{h}": True})
    results = PredictionResult.objects.filter(
        disagree, job_id=OuterRef("job_id"), business_id=OuterRef("business_id")
    )
    certain.filter(source="job").filter(Exists(results)).update(uncertain=True)
    from_advice = certain.filter(source="advice").values_list("pk", "advice__forecast")
    ids = [
        pk
        for pk, forecast in from_advice.iterator(chunk_size=2000)
        if any(month.get("models_disagree") for month in (forecast or [])[: len(FIRST_MONTHS)])
    ]
    for start in range(0, len(ids), 5000):
        LatestScore.objects.filter(pk__in=ids[start : start + 5000]).update(uncertain=True)


class Migration(migrations.Migration):
    dependencies = [
        ("forecasting", "0011_advice_created_at_default"),
    ]

    operations = [
        migrations.AlterField(
            model_name="latestscore",
            name="uncertain",
            field=models.BooleanField(
                default=False,
                help_text=(
                    "Short or intermittent sales history, or its two models disagree: the "
                    "forecast change is shown but raises no alert."
                ),
                verbose_name="uncertain forecast",
            ),
        ),
        migrations.RunPython(uncertain_where_models_disagree, migrations.RunPython.noop),
    ]
