"""Auditor exports: request one, write it (in a Celery job or streamed at once), verify a file, purge old files.

Design (issue 8)
1. Reports and their as-of reading live in exports.reports and exports.selectors: an export as
   of a past day D reads the history tables as they stood at the end of D, so it gives the same
   rows, and the same data hash, whenever it is run; the progress report reads the daily
   snapshots. The as-of day may not lie in the future; an export as of today is final once the
   day is over.
2. Files: exports.writers (XLSX, CSV in a zip with its provenance sidecar, PDF; the data hash and
   the provenance each file carries). Every export says why it was made (its purpose).
3. Every export is an ExportJob row and two audit events ("export"): one when requested (with the
   requester's address) and one when written (with the data hash and row count).
   `verify_export FILE` and the verify page recompute the data hash from a file and look it up in
   the jobs (exports.verification).
4. Only auditors, officials and administrators export, within their scope (exports.selectors);
   provider staff and caregivers do not. The scope is checked again when the job runs and when
   the file is downloaded.
"""

import datetime as dt
import os
import tempfile

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
from .selectors import can_export, issuing_unit, resolve_scope
from .verification import Verification, verify_export_file

__all__ = [
    "Verification",
    "export_estimate",
    "export_request",
    "export_run",
    "exports_purge_expired",
    "verify_export_file",
]

# A job left "running" this long (its worker died) may be claimed again.
STALE_RUNNING = dt.timedelta(hours=2)
FORMATS_BY_KIND = {kind: {ExportFormat.XLSX, ExportFormat.CSV} for kind in ExportKind}
FORMATS_BY_KIND[ExportKind.PROGRESS] = {ExportFormat.XLSX, ExportFormat.CSV, ExportFormat.PDF}
FILTER_KEYS = ("batch_year", "date_from", "date_to", "recipient_id", "sheet_id")
# Filters that name one row (one person's fee history, one fee sheet): whole numbers.
WHOLE_NUMBER_FILTERS = ("batch_year", "recipient_id", "sheet_id")


def _clean_filters(filters: dict | None) -> dict:
    cleaned = {}
    for key, value in (filters or {}).items():
        if key not in FILTER_KEYS or value in (None, ""):
            continue
        if key in WHOLE_NUMBER_FILTERS:
            try:
                cleaned[key] = int(value)
            except (TypeError, ValueError):
                raise DomainError(
                    _("The filter %(name)s must be a whole number.") % {"name": key}, code="bad_filter"
                ) from None
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


def _provenance(job: ExportJob, report: Report, scope: Scope) -> dict:
    return {
        "export_id": job.pk,
        "report": f"{job.kind} · {report.title}",
        "format": job.format,
        "issuing_unit": issuing_unit(job.requester),
        "purpose": job.purpose,
        "demo": scope.has_demo_areas(),
        "exported_by": job.requester.get_username(),
        "exported_at": timezone.localtime(job.started_at or timezone.now()).isoformat(timespec="seconds"),
        "scope": {"level": job.scope_level, "code": job.scope_code, "label": job.scope_label},
        "as_of": job.as_of.isoformat(),
        "filters": job.filters,
        "columns": [[column.label, column.kind] for column in report.columns],
        "hash_method": writers.HASH_METHOD,
    }


def _stem(job: ExportJob) -> str:
    scope = job.scope_code or job.scope_level
    return f"{job.kind}-{scope}-{job.as_of:%Y%m%d}-{job.pk}"


def _filename(job: ExportJob) -> str:
    # A CSV travels with its provenance: the zip of <stem>.csv and <stem>.provenance.json.
    return f"{_stem(job)}.{'zip' if job.format == ExportFormat.CSV else job.format}"


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
    purpose: str = "",
    request=None,
    enqueue: bool = True,
) -> ExportJob:
    """Record an export request, with its purpose, and queue the job that writes it (after commit)."""
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
        purpose=(purpose or "").strip()[:200],
    )
    audit_record(
        action="export",
        user=user,
        request=request,
        obj=job,
        reason=job.purpose,
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
            scope = _scope_for(job)
            report = build_report(job.kind, scope)
            ExportJob.objects.filter(pk=job.pk).update(rows_estimated=report.estimate)
            job.rows_estimated = report.estimate
            provenance = _provenance(job, report, scope)
            progress = _progress_callback(job)
            if job.format == ExportFormat.XLSX:
                writers.write_xlsx(report, provenance, path, on_progress=progress)
            elif job.format == ExportFormat.CSV:
                writers.write_csv_zip(report, provenance, path, stem=_stem(job), on_progress=progress)
            else:
                writers.write_pdf(report, provenance, path)
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
        reason=job.purpose,
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
