"""Auditor exports: request one, write it (in a Celery job or streamed at once), verify a file, purge old files.

Design (issue 8)
1. Reports and their as-of reading live in exports.reports and exports.selectors: an export as
   of a past day D reads the history tables as they stood at the end of D, so it gives the same
   rows, and the same data hash, whenever it is run; the progress report reads the daily
   snapshots. The as-of day may not lie in the future; an export as of today is final once the
   day is over.
2. Files: exports.writers (XLSX, CSV, PDF; the data hash and the provenance each file carries).
3. Every export is an ExportJob row and two audit events ("export"): one when requested (with the
   requester's address) and one when written (with the data hash and row count).
   `verify_export FILE` recomputes the data hash from the file and looks it up in the jobs.
4. Only auditors, officials and administrators export, within their scope (exports.selectors);
   provider staff and caregivers do not. The scope is checked again when the job runs and when
   the file is downloaded.
"""

import datetime as dt
import hashlib
import os
import tempfile
from dataclasses import dataclass, field

from django.conf import settings
from django.core.files import File
from django.db import OperationalError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from eldercare.core.audit import audit_record
from eldercare.core.errors import DomainError
from eldercare.core.queue import enqueue_after_commit

from . import writers
from .models import ExportFormat, ExportJob, ExportKind, ExportStatus, ScopeLevel, export_storage
from .reports import Report, Scope, build_report
from .selectors import can_export, resolve_scope

# A job left "running" this long (its worker died) may be claimed again.
STALE_RUNNING = dt.timedelta(hours=2)
FORMATS_BY_KIND = {kind: {ExportFormat.XLSX, ExportFormat.CSV} for kind in ExportKind}
FORMATS_BY_KIND[ExportKind.PROGRESS] = {ExportFormat.XLSX, ExportFormat.CSV, ExportFormat.PDF}
FILTER_KEYS = ("batch_year", "date_from", "date_to")


def _clean_filters(filters: dict | None) -> dict:
    cleaned = {}
    for key, value in (filters or {}).items():
        if key not in FILTER_KEYS or value in (None, ""):
            continue
        if key == "batch_year":
            cleaned[key] = int(value)
        else:
            cleaned[key] = value.isoformat() if isinstance(value, dt.date) else dt.date.fromisoformat(value).isoformat()
    return cleaned


def _check_request(*, user, kind: str, fmt: str, as_of: dt.date) -> None:
    if not can_export(user):
        raise DomainError(_("Only auditors, officials and administrators can export."), code="export_forbidden")
    if kind not in ExportKind.values:
        raise DomainError(_("Choose a report."), field="kind")
    if fmt not in FORMATS_BY_KIND[kind]:
        raise DomainError(_("This report cannot be exported in that format."), field="format")
    if as_of > timezone.localdate():
        raise DomainError(_("The as-of date cannot lie in the future."), field="as_of")


def _scope_for(job: ExportJob) -> Scope:
    areas, provider, _label = resolve_scope(job.requester, job.scope_level, job.scope_code)
    return Scope(areas=areas, provider=provider, as_of=job.as_of, filters=job.filters)


def _provenance(job: ExportJob, report: Report) -> dict:
    return {
        "export_id": job.pk,
        "report": f"{job.kind} · {report.title}",
        "format": job.format,
        "exported_by": job.requester.get_username(),
        "exported_at": timezone.localtime(job.started_at or timezone.now()).isoformat(timespec="seconds"),
        "scope": {"level": job.scope_level, "code": job.scope_code, "label": job.scope_label},
        "as_of": job.as_of.isoformat(),
        "filters": job.filters,
        "columns": [[column.label, column.kind] for column in report.columns],
        "hash_method": writers.HASH_METHOD,
    }


def _filename(job: ExportJob) -> str:
    scope = job.scope_code or job.scope_level
    return f"{job.kind}-{scope}-{job.as_of:%Y%m%d}-{job.pk}.{job.format}"


@transaction.atomic
def export_request(
    *,
    user,
    kind: str,
    fmt: str,
    scope_level: str,
    scope_code: str = "",
    as_of: dt.date,
    filters: dict | None = None,
    request=None,
    enqueue: bool = True,
) -> ExportJob:
    """Record an export request and queue the job that writes it (after commit)."""
    _check_request(user=user, kind=kind, fmt=fmt, as_of=as_of)
    _areas, _provider, label = resolve_scope(user, scope_level, scope_code)
    job = ExportJob.objects.create(
        requester=user,
        kind=kind,
        format=fmt,
        scope_level=scope_level,
        scope_code=(scope_code or "").strip() if scope_level != ScopeLevel.NATIONAL else "",
        scope_label=label[:200],
        as_of=as_of,
        filters=_clean_filters(filters),
    )
    audit_record(
        action="export",
        user=user,
        request=request,
        obj=job,
        details={"stage": "requested", "job": job.pk, "kind": kind, "format": fmt, "as_of": as_of.isoformat()},
    )
    if enqueue:
        from .tasks import run_export_task

        # If the broker is down the job stays queued and its page says so.
        enqueue_after_commit(run_export_task, job.pk)
    return job


def _claim(job_id: int) -> bool:
    """Take the job: a conditional update, so two workers (or a redelivery) never write it twice."""
    now = timezone.now()
    from django.db.models import Q

    claimable = Q(status=ExportStatus.QUEUED) | Q(status=ExportStatus.RUNNING, started_at__lt=now - STALE_RUNNING)
    return bool(
        ExportJob.objects.filter(claimable, pk=job_id).update(
            status=ExportStatus.RUNNING, started_at=now, progress=0, rows_written=0, error=""
        )
    )


def _progress_callback(job: ExportJob):
    def report_progress(rows: int) -> None:
        estimate = job.rows_estimated or 0
        percent = min(99, rows * 100 // estimate) if estimate else 0
        ExportJob.objects.filter(pk=job.pk, status=ExportStatus.RUNNING).update(rows_written=rows, progress=percent)

    return report_progress


def export_run(job_id: int) -> ExportJob:
    """Write the job's file (the Celery job calls this); a second run of a finished job changes nothing."""
    if not _claim(job_id):
        return ExportJob.objects.get(pk=job_id)
    job = ExportJob.objects.select_related("requester").get(pk=job_id)
    handle, path = tempfile.mkstemp(prefix=f"export-{job.pk}-", suffix=f".{job.format}")
    os.close(handle)
    try:
        with translation.override(settings.LANGUAGE_CODE):
            report = build_report(job.kind, _scope_for(job))
            ExportJob.objects.filter(pk=job.pk).update(rows_estimated=report.estimate)
            job.rows_estimated = report.estimate
            provenance = _provenance(job, report)
            if job.format == ExportFormat.XLSX:
                writers.write_xlsx(report, provenance, path, on_progress=_progress_callback(job))
            elif job.format == ExportFormat.CSV:
                with open(path, "w", encoding="utf-8", newline="") as out:
                    for chunk in writers.csv_chunks(report, provenance, on_progress=_progress_callback(job)):
                        out.write(chunk)
            else:
                writers.write_progress_pdf(report, provenance, path)
            _finish(job, provenance, path)
    except DomainError as error:
        ExportJob.objects.filter(pk=job.pk).update(
            status=ExportStatus.FAILED, error=str(error.message), finished_at=timezone.now()
        )
    except OperationalError:
        ExportJob.objects.filter(pk=job.pk).update(status=ExportStatus.QUEUED, started_at=None)
        raise  # the task retries
    except Exception as error:
        ExportJob.objects.filter(pk=job.pk).update(
            status=ExportStatus.FAILED, error=f"{type(error).__name__}: {error}"[:2000], finished_at=timezone.now()
        )
        raise
    finally:
        if os.path.exists(path):
            os.remove(path)
    job.refresh_from_db()
    return job


@transaction.atomic
def _finish(job: ExportJob, provenance: dict, path: str) -> None:
    now = timezone.now()
    job.filename = _filename(job)
    with open(path, "rb") as handle:
        job.file.save(job.filename, File(handle), save=False)
    job.file_sha256 = writers.file_sha256(path)
    job.sha256 = provenance["sha256"]
    job.rows_written = provenance["rows"]
    job.status = ExportStatus.DONE
    job.progress = 100
    job.finished_at = now
    job.expires_at = now + dt.timedelta(days=settings.EXPORT_RETENTION_DAYS)
    job.save()
    _audit_written(job, request=None)


def _audit_written(job: ExportJob, *, request) -> None:
    audit_record(
        action="export",
        user=job.requester,
        request=request,
        obj=job,
        details={
            "stage": "written",
            "job": job.pk,
            "kind": job.kind,
            "format": job.format,
            "scope": {"level": job.scope_level, "code": job.scope_code},
            "as_of": job.as_of.isoformat(),
            "filters": job.filters,
            "rows": job.rows_written,
            "sha256": job.sha256,
            "file_sha256": job.file_sha256,
        },
    )


def export_estimate(*, user, kind: str, scope_level: str, scope_code: str, as_of: dt.date, filters=None) -> int:
    """How many rows an export would have, from the live tables (cheap counts); for choosing inline or job."""
    areas, provider, _label = resolve_scope(user, scope_level, scope_code)
    scope = Scope(areas=areas, provider=provider, as_of=as_of, filters=_clean_filters(filters))
    return build_report(kind, scope).estimate


def export_stream_csv(job: ExportJob, *, request=None):
    """The CSV of a requested (small) export as text chunks, recorded like a job's file once the last chunk is out."""
    if not _claim(job.pk):
        raise DomainError(_("This export is already being written."))
    job.refresh_from_db()
    with translation.override(settings.LANGUAGE_CODE):
        report = build_report(job.kind, _scope_for(job))
    provenance = _provenance(job, report)
    digest = hashlib.sha256()

    def chunks():
        try:
            for chunk in writers.csv_chunks(report, provenance):
                data = chunk.encode("utf-8")
                digest.update(data)
                yield data
        except Exception as error:
            ExportJob.objects.filter(pk=job.pk).update(
                status=ExportStatus.FAILED, error=f"{type(error).__name__}: {error}"[:2000], finished_at=timezone.now()
            )
            raise
        with transaction.atomic():
            job.filename = _filename(job)
            job.file_sha256 = digest.hexdigest()
            job.sha256 = provenance["sha256"]
            job.rows_written = provenance["rows"]
            job.status = ExportStatus.DONE
            job.progress = 100
            job.finished_at = timezone.now()
            job.save()
            _audit_written(job, request=request)

    return chunks()


def exports_purge_expired(*, now: dt.datetime | None = None) -> int:
    """Remove the files of exports past their retention; the records and hashes stay. Returns how many."""
    now = now or timezone.now()
    purged = 0
    for job in ExportJob.objects.filter(status=ExportStatus.DONE, expires_at__lt=now).order_by("pk").iterator():
        if job.file:
            export_storage.delete(job.file.name)
        purged += ExportJob.objects.filter(pk=job.pk, status=ExportStatus.DONE).update(
            status=ExportStatus.EXPIRED, file=""
        )
    return purged


# --- Verifying a file -----------------------------------------------------------------------------


@dataclass
class Verification:
    unchanged: bool = False
    recorded: bool = False
    job: ExportJob | None = None
    data_sha256: str = ""
    claimed_sha256: str = ""
    rows: int = 0
    messages: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.unchanged and self.recorded


def verify_export_file(path: str) -> Verification:
    """Whether a file is an export as written (data hash recomputed from its cells) and matches a recorded export."""
    result = Verification()
    whole_file = writers.file_sha256(path)
    with open(path, "rb") as handle:
        magic = handle.read(5)
    if magic.startswith(b"%PDF"):
        job = ExportJob.objects.filter(file_sha256=whole_file).order_by("pk").first()
        result.unchanged = result.recorded = job is not None
        result.job = job
        result.messages.append(
            _("The PDF is byte for byte export #%(pk)s.") % {"pk": job.pk}
            if job
            else _("No recorded export has this PDF's SHA-256: it was changed or never exported here.")
        )
        return result
    try:
        if magic.startswith(b"PK"):
            header, rows, provenance = writers.read_xlsx(path)
        else:
            header, rows, provenance = writers.read_csv(path)
        kinds = [kind for _label, kind in provenance["columns"]]
        result.data_sha256, result.rows = writers.data_hash(header, rows, kinds)
    except (writers.UnreadableExport, ValueError, KeyError, TypeError) as error:
        result.messages.append(_("The file cannot be read as an export: %(error)s") % {"error": error})
        return result
    result.claimed_sha256 = provenance.get("sha256", "")
    result.unchanged = result.data_sha256 == result.claimed_sha256 and result.rows == provenance.get("rows")
    if result.unchanged:
        result.messages.append(_("The data are unchanged: their SHA-256 is the one the file records."))
    else:
        result.messages.append(
            _("The data were changed after export: SHA-256 %(actual)s, the file records %(claimed)s.")
            % {"actual": result.data_sha256, "claimed": result.claimed_sha256}
        )
    job = ExportJob.objects.filter(pk=provenance.get("export_id"), sha256=result.data_sha256).first()
    if job is None:
        job = ExportJob.objects.filter(sha256=result.data_sha256).order_by("pk").first()
    result.job = job
    result.recorded = job is not None
    if job is not None:
        result.messages.append(
            _("The data match export #%(pk)s by %(user)s as of %(as_of)s.")
            % {"pk": job.pk, "user": job.requester.get_username(), "as_of": job.as_of}
        )
    else:
        result.messages.append(_("No recorded export has these data."))
    return result
