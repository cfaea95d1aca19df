import csv
import datetime as dt
import io
import json
import zipfile

from django.urls import reverse
from django.utils import timezone

from eldercare.core.models import AuditEvent
from eldercare.exports import services, writers
from eldercare.exports.models import ExportJob, ExportStatus, export_storage
from eldercare.exports.services import export_request, export_run, exports_purge_expired
from eldercare.exports.tasks import purge_expired_exports_task, run_export_task
from tests.conftest import at
from tests.exports.conftest import NOW_DAY, bulk_world


def test_a_large_export_runs_as_a_celery_job_with_progress_and_a_download_link(
    transactional_db, world, client, settings, time_machine, django_capture_on_commit_callbacks, monkeypatch
):
    # Committed data: on PostgreSQL the CSV streams by COPY and the progress goes out through
    # another connection (writers.copying), which sees only what is committed, as in production.
    settings.EXPORT_INLINE_MAX_ROWS = 100
    monkeypatch.setattr(writers.tabular, "PROGRESS_EVERY_ROWS", 1000)
    seen = []
    real_callback = services._progress_callback

    def spying_callback(job):
        callback = real_callback(job)

        def report(rows):
            callback(rows)
            seen.append((rows, ExportJob.objects.get(pk=job.pk).progress))

        return report

    monkeypatch.setattr(services, "_progress_callback", spying_callback)
    time_machine.move_to(at(dt.date(2023, 6, 20), 10))
    area = bulk_world(recipients=300, visits_per_recipient=10)
    time_machine.move_to(at(NOW_DAY, 10))
    client.force_login(world.auditor)
    form = {"kind": "visits", "format": "csv", "scope_level": "area", "area": area.code, "as_of": "2023-10-01"}
    form["purpose"] = "抽查"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("exports:index"), form)
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("exports:detail", kwargs={"pk": job.pk})
    status = client.get(reverse("exports:status", kwargs={"pk": job.pk})).json()
    assert (status["status"], status["progress"], status["rows"]) == ("done", 100, 3000)
    assert status["download_url"] == reverse("exports:download", kwargs={"pk": job.pk})
    page = client.get(reverse("exports:detail", kwargs={"pk": job.pk})).content.decode()
    assert status["download_url"] in page and "<progress" in page
    download = client.get(status["download_url"])
    with zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content))) as archive:
        body = archive.read(f"visits-{area.code}-20231001-{job.pk}.csv").decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert len(rows) == 3001
    assert {row[22] for row in rows[1:]} == {"是"}
    assert job.rows_estimated == 3000
    # The bar moved while the rows were written: 1000, 2000 and 3000 of the 3000 expected.
    assert seen == [(1000, 33), (2000, 66), (3000, 99)]


def test_running_an_export_job_twice_writes_it_once(world):
    job = export_request(user=world.auditor, kind="recipients", fmt="xlsx", scope_level="national", as_of=NOW_DAY)
    assert run_export_task.delay(job.pk).get() == ExportStatus.DONE
    first = ExportJob.objects.get(pk=job.pk)
    assert run_export_task.delay(job.pk).get() == ExportStatus.DONE
    again = ExportJob.objects.get(pk=job.pk)
    assert (again.file.name, again.finished_at, again.sha256) == (first.file.name, first.finished_at, first.sha256)
    assert len(list(export_storage.listdir(first.file.name.rsplit("/", 1)[0])[1])) == 1


def test_a_small_export_downloads_at_once_and_is_recorded_with_its_purpose(world, client):
    client.force_login(world.area_auditor)
    form = {"kind": "visits", "format": "csv", "as_of": "2023-10-01", "purpose": "季度核查"}
    response = client.post(reverse("exports:index"), form)  # an area auditor chooses no scope: theirs is fixed
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    job = ExportJob.objects.get()
    assert (job.status, job.rows_written, job.scope_level, job.scope_code) == (ExportStatus.DONE, 8, "area", "110114")
    assert response["Content-Disposition"] == f'attachment; filename="{job.filename}"'
    with zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))) as archive:
        provenance = json.loads(archive.read(job.filename.replace(".zip", ".provenance.json")))
    assert (provenance["sha256"], provenance["purpose"]) == (job.sha256, "季度核查")
    events = AuditEvent.objects.filter(action="export", object_id=str(job.pk))
    assert {event.details["stage"] for event in events} == {"requested", "written", "downloaded"}
    assert {event.reason for event in events} == {"季度核查"}


def test_the_exports_page_lists_my_exports_and_shows_form_errors(world, client):
    export_run(export_request(user=world.auditor, kind="beds", fmt="xlsx", scope_level="national", as_of=NOW_DAY).pk)
    client.force_login(world.auditor)
    page = client.get(reverse("exports:index")).content.decode()
    assert reverse("exports:download", kwargs={"pk": ExportJob.objects.get().pk}) in page
    form = {"kind": "visits", "format": "pdf", "scope_level": "national", "as_of": "2023-10-01", "purpose": "x"}
    response = client.post(reverse("exports:index"), form)
    assert response.status_code == 200 and ExportJob.objects.count() == 1
    assert response.context["form"].errors
    response = client.post(reverse("exports:index"), form | {"format": "xlsx", "purpose": ""})
    assert "purpose" in response.context["form"].errors and ExportJob.objects.count() == 1


def test_expired_export_files_are_removed_and_their_records_kept(world, time_machine, settings):
    settings.EXPORT_RETENTION_DAYS = 7
    job = export_request(user=world.auditor, kind="beds", fmt="xlsx", scope_level="national", as_of=NOW_DAY)
    job = export_run(job.pk)
    name = job.file.name
    assert export_storage.exists(name)
    time_machine.move_to(timezone.now() + dt.timedelta(days=6))
    assert exports_purge_expired() == 0
    time_machine.move_to(timezone.now() + dt.timedelta(days=2))
    assert purge_expired_exports_task.delay().get() == 1
    job.refresh_from_db()
    assert (job.status, job.file.name, bool(job.sha256)) == (ExportStatus.EXPIRED, "", True)
    assert not export_storage.exists(name)
    assert exports_purge_expired() == 0
