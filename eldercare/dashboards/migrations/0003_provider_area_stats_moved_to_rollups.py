# ProviderAreaStats now lives in rollups (rollups 0005 took over its state and its table, whose name
# and rows stay as they were). Here the model only leaves this app's state; no table is dropped.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("dashboards", "0002_alter_providerareastats_counted_visits"),
        ("rollups", "0005_provider_area_stats_from_dashboards"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="ProviderAreaStats")],
            database_operations=[],
        ),
    ]
