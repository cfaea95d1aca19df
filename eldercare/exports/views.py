"""The exports pages: start an export, watch its progress, download the file, verify a file. Views stay thin.

Every job URL takes the job as `pk` and fetches it through `jobs_visible_to(user)`: another
user's job, or a job whose scope the user no longer has, answers 404.
"""

import os
import shutil
import tempfile

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.decorators.http import require_http_methods

from eldercare.core.admin import add_error_to_form
from eldercare.core.audit import audit_record
from eldercare.core.errors import DomainError

from . import services
from .forms import ExportForm, VerifyForm
from .models import ExportJob, ExportStatus, export_storage
from .selectors import can_export, jobs_visible_to, resolve_scope
from .verification import verify_export_file

RECENT_JOBS = 50


def _exporter(request):
    if not can_export(request.user):
        raise PermissionDenied(_("Only auditors, officials and administrators can export."))


@login_required
@require_http_methods(["GET", "POST"])
def export_index(request):
    """The form that starts an export and the list of the user's exports; a small export downloads at once."""
    _exporter(request)
    form = ExportForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        arguments = {
            "user": request.user,
            "kind": data["kind"],
            "scope_level": data["scope_level"],
            "scope_code": data["scope_code"],
            "as_of": data["as_of"],
            "filters": {key: data.get(key) for key in ("batch_year", "date_from", "date_to")},
        }
        try:
            inline = services.export_estimate(**arguments) <= settings.EXPORT_INLINE_MAX_ROWS
            job = services.export_request(
                fmt=data["format"], purpose=data["purpose"], request=request, enqueue=not inline, **arguments
            )
            if inline:
                job = services.export_run(job.pk)
                if job.status == ExportStatus.DONE:
                    return _download(request, job)
            return redirect("exports:detail", pk=job.pk)
        except DomainError as error:
            add_error_to_form(form, error)
    jobs = jobs_visible_to(request.user).select_related("requester")[:RECENT_JOBS]
    return render(request, "exports/index.html", {"form": form, "jobs": jobs})


def _download(request, job: ExportJob):
    audit_record(
        action="export",
        request=request,
        obj=job,
        reason=job.purpose,
        details={"stage": "downloaded", "job": job.pk, "sha256": job.sha256},
    )
    return FileResponse(export_storage.open(job.file.name, "rb"), as_attachment=True, filename=job.filename)


class ExportJobView(LoginRequiredMixin, View):
    """A view of one export (URL kwarg `pk`), fetched through `jobs_visible_to`: 404 outside it."""

    model = ExportJob
    http_method_names = ["get"]

    def get_queryset(self):
        return jobs_visible_to(self.request.user).select_related("requester")

    def get_object(self) -> ExportJob:
        if not can_export(self.request.user):
            raise Http404(_("No such export."))
        job = get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])
        try:
            resolve_scope(self.request.user, job.scope_level, job.scope_code)
        except DomainError:
            raise Http404(_("No such export.")) from None
        return job


class ExportDetailView(ExportJobView):
    def get(self, request, pk: int):
        job = self.get_object()
        context = {"job": job, "status_url": reverse("exports:status", args=[job.pk])}
        return render(request, "exports/detail.html", context)


class ExportStatusView(ExportJobView):
    """What the progress bar polls."""

    def get(self, request, pk: int):
        job = self.get_object()
        return JsonResponse(
            {
                "status": job.status,
                "status_display": str(job.get_status_display()),
                "progress": job.progress,
                "rows": job.rows_written,
                "finished": job.is_finished,
                "download_url": reverse("exports:download", args=[job.pk]) if job.status == ExportStatus.DONE else None,
                "error": job.error,
            }
        )


class ExportDownloadView(ExportJobView):
    def get(self, request, pk: int):
        job = self.get_object()
        if job.status != ExportStatus.DONE or not job.file or not export_storage.exists(job.file.name):
            raise Http404(_("The file of this export is not available."))
        return _download(request, job)


def _saved(upload, directory: str, name: str) -> str:
    """An uploaded file on disk (large uploads already are; small ones arrive in memory)."""
    path = os.path.join(directory, name)
    with open(path, "wb") as target:
        for chunk in upload.chunks():
            target.write(chunk)
    return path


@login_required
@require_http_methods(["GET", "POST"])
def verify(request):
    """An auditor uploads an export file and sees whether it is intact and which export it is."""
    _exporter(request)
    form = VerifyForm(request.POST or None, request.FILES or None)
    context = {"form": form, "result": None}
    if request.method == "POST" and form.is_valid():
        upload, sidecar = form.cleaned_data["file"], form.cleaned_data.get("provenance")
        directory = tempfile.mkdtemp(prefix="verify-")
        try:
            path = _saved(upload, directory, "upload")
            provenance = _saved(sidecar, directory, "sidecar") if sidecar else None
            result = verify_export_file(path, provenance_path=provenance)
        finally:
            shutil.rmtree(directory, ignore_errors=True)
        # Whoever holds the file may learn which export it is (the file says so itself); only
        # the requester's own exports link to their record.
        own = result.job is not None and jobs_visible_to(request.user).filter(pk=result.job.pk).exists()
        context.update(result=result, filename=upload.name, own_job=own)
    return render(request, "exports/verify.html", context)
