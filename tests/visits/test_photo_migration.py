"""visits 0007 moves Visit.photo_start/photo_end into VisitPhoto rows, hashed from storage, then drops them."""

import datetime as dt
import hashlib
import importlib

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from eldercare.visits.models import VisitPhoto
from eldercare.visits.photos import describe_stored
from tests.api.conftest import log
from tests.factories import AssessmentFactory, CaregiverFactory, RecipientFactory, ServiceCategoryFactory
from tests.photo_samples import CHANGPING_DMS, photo_bytes

migration = importlib.import_module("eldercare.visits.migrations.0007_visit_photos_move")
BEFORE = ("visits", "0006_phone_evidence")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def test_photo_rows_hash_what_is_stored_and_count_missing_files(db):
    content = photo_bytes((640, 480), gps=CHANGPING_DMS)
    name = default_storage.save("visits/2023/08/old-start.jpg", ContentFile(content))
    when = dt.datetime(2023, 8, 1, 2, tzinfo=dt.UTC)

    rows, missing = migration.photo_rows(
        [(1, "start", name, when, None), (1, "end", "visits/2023/08/gone.jpg", None, when)],
        default_storage,
        VisitPhoto,
        describe_stored,
    )

    assert missing == 1
    [(photo, set_at)] = rows
    assert photo.sha256 == hashlib.sha256(content).hexdigest() and photo.size_bytes == len(content)
    assert (photo.width, photo.height, photo.content_type, photo.image.name) == (640, 480, "image/jpeg", name)
    assert photo.exif_latitude is not None and set_at == when


@pytest.mark.django_db(transaction=True)
def test_the_migration_moves_old_photos_and_drops_the_fields(capsys):
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    recipient = RecipientFactory()
    AssessmentFactory(recipient=recipient, assessed_on=dt.date(2023, 6, 1), level="severe")
    moved = log(recipient, CaregiverFactory(provider=recipient.provider), ServiceCategoryFactory())
    lost = log(recipient, moved.caregiver, moved.category, day=dt.date(2023, 8, 3))
    start = photo_bytes((500, 400), color=(9, 90, 9))
    start_name = default_storage.save("visits/2023/08/start.jpg", ContentFile(start))
    end_name = default_storage.save("visits/2023/08/end.jpg", ContentFile(b"not even an image"))
    try:
        executor.migrate([BEFORE])
        old = executor.loader.project_state([BEFORE]).apps
        OldVisit = old.get_model("visits", "Visit")
        OldVisit.objects.filter(pk=moved.pk).update(photo_start=start_name, photo_end=end_name)
        OldVisit.objects.filter(pk=lost.pk).update(photo_start="visits/2023/08/never-uploaded.jpg")

        executor = MigrationExecutor(connection)
        executor.migrate(latest)
    finally:
        MigrationExecutor(connection).migrate(latest)

    photos = {(photo.visit_id, photo.kind): photo for photo in VisitPhoto.objects.all()}
    assert set(photos) == {(moved.pk, "start"), (moved.pk, "end")}
    assert photos[moved.pk, "start"].sha256 == hashlib.sha256(start).hexdigest()
    assert photos[moved.pk, "start"].image.name == start_name  # the same file, not a copy
    # Set by an update that left no history row: dated from the visit's entry, not from the migration.
    assert photos[moved.pk, "start"].created_at == moved.created_at
    assert (photos[moved.pk, "start"].width, photos[moved.pk, "start"].height) == (500, 400)
    assert photos[moved.pk, "end"].content_type == "application/octet-stream"
    assert photos[moved.pk, "end"].sha256 == hashlib.sha256(b"not even an image").hexdigest()
    assert "2 photos moved to VisitPhoto, 1 files missing from storage (skipped)" in capsys.readouterr().out
    columns = {
        column.name for column in connection.introspection.get_table_description(connection.cursor(), "visits_visit")
    }
    assert "photo_start" not in columns and "photo_end" not in columns
