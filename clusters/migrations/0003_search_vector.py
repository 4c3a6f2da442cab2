import django.contrib.postgres.search
from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEXES = [
    "CREATE INDEX IF NOT EXISTS clusters_org_search_gin ON clusters_organisation "
    "USING gin (search_vector)",
    "CREATE INDEX IF NOT EXISTS clusters_org_name_trgm ON clusters_organisation "
    "USING gin (lower(name) gin_trgm_ops)",
]
DROP = [
    "DROP INDEX IF EXISTS clusters_org_search_gin",
    "DROP INDEX IF EXISTS clusters_org_name_trgm",
]


def create_indexes(apps, schema_editor):
    # PostgreSQL only: SQLite has neither GIN indexes nor tsvector (it searches with LIKE).
    if schema_editor.connection.vendor != "postgresql":
        return
    from clusters.search import REFRESH_SQL

    for sql in INDEXES:
        schema_editor.execute(sql)
    schema_editor.execute(REFRESH_SQL)


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in DROP:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("clusters", "0002_load_reference_data")]

    operations = [
        TrigramExtension(),
        migrations.AddField(
            model_name="organisation",
            name="search_vector",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.RunPython(create_indexes, drop_indexes),
    ]
