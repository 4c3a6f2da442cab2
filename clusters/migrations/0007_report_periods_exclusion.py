from django.db import migrations

CREATE = (
    "ALTER TABLE clusters_impactreport ADD CONSTRAINT report_periods_do_not_overlap "
    "EXCLUDE USING gist (partnership_id WITH =, daterange(period_start, period_end, '[]') WITH &&)"
)
DROP = "ALTER TABLE clusters_impactreport DROP CONSTRAINT IF EXISTS report_periods_do_not_overlap"


def create(apps, schema_editor):
    # PostgreSQL only (btree_gist + range types); services check overlaps on every database.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("clusters", "0006_partnerships")]

    operations = [migrations.RunPython(create, drop)]
