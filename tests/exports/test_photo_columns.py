"""The visit ledger carries each visit's start and end photo: its SHA-256 and a link to its image."""

import datetime as dt
import hashlib

import pytest
from django.core.files.storage import default_storage

from eldercare.exports.services import export_request
from eldercare.visits.photos import visit_photo_add
from tests.conftest import at
from tests.exports.conftest import NOW_DAY, WORLD_DAY, by_column, csv_zip, report_rows
from tests.photo_samples import photo_bytes, upload


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PHOTO_LINK_BASE_URL = "https://eldercare.example.gov.cn/"


def ledger(world, as_of=NOW_DAY):
    report, rows = report_rows("visits", world.auditor, as_of)
    return by_column(report, rows, "服务编号")


def test_the_photo_columns_carry_the_stored_files_hash_and_link(world):
    v1 = world.visits["v1"]
    start = visit_photo_add(visit=v1, kind="start", upload=upload(photo_bytes(color=(8, 80, 8)))).photo

    row = ledger(world)[v1.pk]

    with default_storage.open(start.image.name, "rb") as opened:
        assert row["开始照片SHA-256"] == hashlib.sha256(opened.read()).hexdigest() == start.sha256
    assert row["开始照片链接"] == f"https://eldercare.example.gov.cn/api/v1/visits/{v1.pk}/photos/start/image/"
    assert row["结束照片SHA-256"] is None and row["结束照片链接"] in (None, "")
    assert ledger(world)[world.visits["v2"].pk]["开始照片SHA-256"] is None


def test_a_photo_stored_after_the_as_of_day_is_not_in_that_ledger(world, time_machine):
    v4 = world.visits["v4"]
    time_machine.move_to(at(WORLD_DAY + dt.timedelta(days=1), 9))  # still inside the lock period
    photo = visit_photo_add(visit=v4, kind="end", upload=upload(photo_bytes(color=(80, 8, 8)))).photo
    time_machine.move_to(at(NOW_DAY, 10))

    assert ledger(world, as_of=WORLD_DAY)[v4.pk]["结束照片SHA-256"] is None
    assert ledger(world, as_of=NOW_DAY)[v4.pk]["结束照片SHA-256"] == photo.sha256


def test_the_csv_file_carries_the_hash_too(world, django_capture_on_commit_callbacks):
    v1 = world.visits["v1"]
    photo = visit_photo_add(visit=v1, kind="start", upload=upload(photo_bytes(color=(1, 2, 250)))).photo
    with django_capture_on_commit_callbacks(execute=True):
        job = export_request(user=world.auditor, kind="visits", fmt="csv", scope_level="national", as_of=NOW_DAY)
    job.refresh_from_db()

    rows, _provenance, _names = csv_zip(job)
    header = rows[0]
    by_id = {row[header.index("服务编号")]: row for row in rows[1:]}
    assert by_id[str(v1.pk)][header.index("开始照片SHA-256")] == photo.sha256
