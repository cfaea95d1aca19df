"""The provider comparison moved from the dashboards app to rollups: a database migrated forwards keeps
its rows, its table and its content type (rollups 0005, dashboards 0003 move only Django's state)."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from eldercare.rollups.models import ProviderAreaStats
from tests.factories import PilotAreaFactory, ProviderFactory

BEFORE_THE_MOVE = [
    ("dashboards", "0002_alter_providerareastats_counted_visits"),
    ("rollups", "0004_band_and_risk_labels_follow_the_threshold"),
]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    ContentType.objects.clear_cache()
    return executor


@pytest.mark.django_db(transaction=True)
def test_migrating_forwards_keeps_the_rows_written_while_the_model_lived_in_dashboards():
    area, provider = PilotAreaFactory(), ProviderFactory()
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        executor = _migrate(BEFORE_THE_MOVE)
        old_model = executor.loader.project_state(BEFORE_THE_MOVE).apps.get_model("dashboards", "ProviderAreaStats")
        old_model.objects.create(
            area_id=area.pk,
            provider_id=provider.pk,
            recipients=7,
            visits=40,
            counted_visits=35,
            computed_at=timezone.now(),
        )
        old_type = ContentType.objects.get(app_label="dashboards", model="providerareastats")
    finally:
        _migrate(latest)

    assert ProviderAreaStats._meta.db_table == "dashboards_providerareastats"
    moved = ProviderAreaStats.objects.get(area=area, provider=provider)
    assert (moved.recipients, moved.visits, moved.counted_visits) == (7, 40, 35)
    # The same content type row, renamed: permissions and log entries that point at it follow the model.
    assert ContentType.objects.get_for_model(ProviderAreaStats).pk == old_type.pk
    assert not ContentType.objects.filter(app_label="dashboards", model="providerareastats").exists()
