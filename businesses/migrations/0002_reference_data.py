"""Loads the regions (first-level ubigeo), CIIU Rev.4 sections and divisions, and the UIT by
year from businesses.reference_data."""

from django.db import migrations


def load(apps, schema_editor):
    from businesses.reference_data import CIIU_REV4, REGIONS, UIT_BY_YEAR

    Region = apps.get_model("businesses", "Region")
    Sector = apps.get_model("businesses", "Sector")
    UITValue = apps.get_model("businesses", "UITValue")
    for code, name in REGIONS:
        Region.objects.update_or_create(code=code, defaults={"name": name})
    for section_code, section_name, divisions in CIIU_REV4:
        section, _ = Sector.objects.update_or_create(
            code=section_code, defaults={"name": section_name, "section": None}
        )
        for code, name in divisions:
            Sector.objects.update_or_create(code=code, defaults={"name": name, "section": section})
    for year, value in UIT_BY_YEAR.items():
        UITValue.objects.get_or_create(year=year, defaults={"value": value})


class Migration(migrations.Migration):
    dependencies = [("businesses", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
