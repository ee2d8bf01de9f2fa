"""Support programmes say who runs them and how an owner applies (printed on the owner's
report); the demo catalogue gets its demo text."""

from django.db import migrations, models

DEMO_TEXT = {
    "tu-empresa": (
        "PRODUCE — Programa Nacional Tu Empresa",
        "Inscríbase gratis en la plataforma de Tu Empresa o acuda con su RUC al Centro de "
        "Desarrollo Empresarial (CDE) más cercano.",
    ),
    "proinnovate": (
        "PRODUCE — ProInnóvate",
        "Postule a la convocatoria vigente en la web de ProInnóvate; su asesor le ayuda a "
        "preparar el proyecto y el presupuesto.",
    ),
    "compras-a-myperu": (
        "PRODUCE — Compras a MYPErú",
        "Inscríbase en el Registro Nacional de Proveedores (RNP) y en la convocatoria de "
        "su sector y región.",
    ),
    "cite-asistencia": (
        "Instituto Tecnológico de la Producción (ITP) — Red CITE",
        "Pida asistencia técnica en el CITE de su sector más cercano; su asesor puede "
        "derivarle.",
    ),
    "cde-articulacion": (
        "PRODUCE — Centros de Desarrollo Empresarial (CDE)",
        "Acuda al CDE de su región con su RUC; su asesor coordina la cita.",
    ),
    "tu-empresa-financiamiento": (
        "PRODUCE — Programa Nacional Tu Empresa",
        "Pida orientación financiera en el CDE o en la plataforma de Tu Empresa; lleve sus "
        "ventas de los últimos 12 meses.",
    ),
}


def fill_demo_programmes(apps, schema_editor):
    SupportProgramme = apps.get_model("businesses", "SupportProgramme")
    for code, (agency, how_to_apply) in DEMO_TEXT.items():
        SupportProgramme.objects.filter(code=code, is_demo=True, agency="").update(
            agency=agency, how_to_apply=how_to_apply
        )


class Migration(migrations.Migration):
    dependencies = [("businesses", "0004_market_data_sources")]

    operations = [
        migrations.AddField(
            model_name="supportprogramme",
            name="agency",
            field=models.CharField(
                blank=True,
                help_text="Who runs it, e.g. PRODUCE or ITP.",
                max_length=200,
                verbose_name="agency",
            ),
        ),
        migrations.AddField(
            model_name="supportprogramme",
            name="how_to_apply",
            field=models.TextField(
                blank=True,
                help_text="One or two plain sentences for the owner.",
                verbose_name="how to apply",
            ),
        ),
        migrations.RunPython(fill_demo_programmes, migrations.RunPython.noop),
    ]
