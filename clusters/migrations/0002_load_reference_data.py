from django.db import migrations

from clusters.reference_data import load_all


class Migration(migrations.Migration):
    dependencies = [("clusters", "0001_initial")]

    operations = [migrations.RunPython(load_all, migrations.RunPython.noop)]
