# The provider comparison moves from the dashboards app to rollups, which writes it. Only Django's
# state moves: the table keeps its name (Meta.db_table) and every row. The content type is renamed
# rather than replaced, so permissions and admin log entries on the model keep pointing at it.

import django.db.models.deletion
from django.db import migrations, models


def rename_content_type(old_app, new_app):
    def rename(apps, schema_editor):
        ContentType = apps.get_model("contenttypes", "ContentType")
        db = schema_editor.connection.alias
        if ContentType.objects.using(db).filter(app_label=new_app, model="providerareastats").exists():
            return
        ContentType.objects.using(db).filter(app_label=old_app, model="providerareastats").update(app_label=new_app)

    return rename


class Migration(migrations.Migration):

    dependencies = [
        ("areas", "0002_batch_evidence_rules"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("dashboards", "0002_alter_providerareastats_counted_visits"),
        ("providers", "0001_initial"),
        ("rollups", "0004_band_and_risk_labels_follow_the_threshold"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ProviderAreaStats",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("recipients", models.PositiveIntegerField(default=0, verbose_name="recipients")),
                        ("person_times_reached", models.PositiveIntegerField(default=0, verbose_name="person-times reached")),
                        ("visits", models.PositiveIntegerField(default=0, verbose_name="completed visits")),
                        ("counted_visits", models.PositiveIntegerField(default=0, verbose_name="counted visits")),
                        ("open_exceptions", models.PositiveIntegerField(default=0, verbose_name="open exceptions")),
                        ("rated_visits", models.PositiveIntegerField(default=0, verbose_name="rated visits")),
                        ("satisfied_visits", models.PositiveIntegerField(default=0, verbose_name="satisfied or fairly satisfied visits")),
                        ("computed_at", models.DateTimeField(verbose_name="computed at")),
                        ("area", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="areas.pilotarea", verbose_name="pilot area")),
                        ("provider", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="providers.provider", verbose_name="provider")),
                    ],
                    options={
                        "verbose_name": "provider statistics in an area",
                        "verbose_name_plural": "provider statistics in areas",
                        "db_table": "dashboards_providerareastats",
                        "constraints": [models.UniqueConstraint(fields=("area", "provider"), name="provider_stats_one_per_area")],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(
            rename_content_type("dashboards", "rollups"), rename_content_type("rollups", "dashboards"), elidable=False
        ),
    ]
