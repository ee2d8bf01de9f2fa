"""The normalised search and sort columns of a business (businesses.search), filled for the
businesses already stored, and on PostgreSQL a trigram GIN index on search_text so a search
for a word inside a name uses an index.

The index and the pg_trgm extension are created by a vendor-guarded RunPython rather than by
``Meta.indexes``/``TrigramExtension``: the unit tier and ``make run`` use SQLite, which has no
GIN indexes, and ``TrigramExtension``'s reverse is not guarded (it would query pg_extension on
SQLite) and would drop an extension other objects may rely on.
"""

from django.contrib.postgres.indexes import GinIndex
from django.db import migrations, models

from businesses.search import search_columns

BATCH = 2000
TRIGRAM_INDEX = "business_search_text_trgm"


def trigram_index():
    return GinIndex(fields=["search_text"], opclasses=["gin_trgm_ops"], name=TRIGRAM_INDEX)


def fill_search_columns(apps, schema_editor):
    """Fill the new columns in batches by primary key (one UPDATE per batch, executemany)."""
    Business = apps.get_model("businesses", "Business")
    qn = schema_editor.connection.ops.quote_name
    sql = (
        f"UPDATE {qn(Business._meta.db_table)} SET {qn('search_text')} = %s, "
        f"{qn('sort_name')} = %s WHERE {qn('id')} = %s"
    )
    last = 0
    while True:
        batch = list(
            Business.objects.filter(pk__gt=last)
            .order_by("pk")
            .values_list("pk", "ruc", "legal_name", "trade_name")[:BATCH]
        )
        if not batch:
            return
        rows = []
        for pk, ruc, legal_name, trade_name in batch:
            columns = search_columns(ruc=ruc, legal_name=legal_name, trade_name=trade_name)
            rows.append((columns["search_text"], columns["sort_name"], pk))
        with schema_editor.connection.cursor() as cursor:
            cursor.executemany(sql, rows)
        last = batch[-1][0]


def add_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.add_index(apps.get_model("businesses", "Business"), trigram_index())


def remove_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.remove_index(apps.get_model("businesses", "Business"), trigram_index())


class Migration(migrations.Migration):
    dependencies = [
        ("businesses", "0011_partners_from_portal"),
    ]

    operations = [
        migrations.AddField(
            model_name="business",
            name="search_text",
            field=models.TextField(default="", editable=False),
        ),
        migrations.AddField(
            model_name="business",
            name="sort_name",
            field=models.TextField(db_index=True, default="", editable=False),
        ),
        migrations.RunPython(fill_search_columns, migrations.RunPython.noop),
        migrations.RunPython(add_trigram_index, remove_trigram_index),
    ]
