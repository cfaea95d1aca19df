from django.db import migrations, models
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce


def count_existing(apps, schema_editor):
    """Fill the new figure from the progress rows already there, as the next recount would."""
    AreaProgress = apps.get_model("rollups", "AreaProgress")
    RecipientProgress = apps.get_model("rollups", "RecipientProgress")
    without = (
        RecipientProgress.objects.filter(area=OuterRef("area"), recipient__provider__isnull=True)
        .order_by()
        .values("area")
        .annotate(n=Count("pk"))
        .values("n")
    )
    AreaProgress.objects.update(recipients_without_provider=Coalesce(Subquery(without), 0))


class Migration(migrations.Migration):
    dependencies = [
        ("rollups", "0007_progress_keys_lead_composite_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="areaprogress",
            name="recipients_without_provider",
            field=models.PositiveIntegerField(default=0, verbose_name="recipients without a provider"),
        ),
        migrations.RunPython(count_existing, migrations.RunPython.noop),
    ]
