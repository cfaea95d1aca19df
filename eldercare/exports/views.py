"""The exports page: start an export, watch its progress, download the file. Views stay thin.

Every job URL takes the job as `pk` and fetches it through `jobs_visible_to(user)`: another
user's job, or a job whose scope the user no longer has, answers 404.
"""

import datetime as dt

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.decorators.http import require_http_methods

from eldercare.accounts.scoping import scope_queryset
from eldercare.areas.models import Region
from eldercare.core.admin import add_error_to_form
from eldercare.core.audit import audit_record
from eldercare.core.errors import DomainError
from eldercare.providers.models import Provider

from . import services
from .models import ExportFormat, ExportJob, ExportKind, ExportStatus, ScopeLevel, export_storage
from .selectors import can_export, exportable_areas, jobs_visible_to, resolve_scope

RECENT_JOBS = 20


class ExportForm(forms.Form):
    kind = forms.ChoiceField(label=_("Report"), choices=ExportKind.choices)
    format = forms.ChoiceField(label=_("Format"), choices=ExportFormat.choices)
    scope_level = forms.ChoiceField(label=_("Scope"), choices=ScopeLevel.choices)
    scope_code = forms.ChoiceField(label=_("Province, area or provider"), required=False)
    as_of = forms.DateField(label=_("As of (end of day)"), widget=forms.DateInput(attrs={"type": "date"}))
    batch_year = forms.IntegerField(label=_("Batch year"), required=False, min_value=2021)
    date_from = forms.DateField(
        label=_("Service date from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("Service date to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["as_of"].initial = timezone.localdate() - dt.timedelta(days=1)
        areas = exportable_areas(user).select_related("region")
        province_codes = {area.region.code[:2] + "0000" for area in areas}
        province_names = dict(Region.objects.filter(code__in=province_codes).values_list("code", "name"))
        choices = [("", "—")]
        choices += [(code, f"{code} {province_names.get(code, '')}".strip()) for code in sorted(province_codes)]
        seen = set()
        for area in areas.order_by("region__code"):
            if area.region.code not in seen:
                seen.add(area.region.code)
                choices.append((area.region.code, f"{area.region.code} {area.region}"))
        providers = scope_queryset(user, Provider.objects.filter(areas__in=areas)).distinct().order_by("name")
        choices += [(provider.credit_code, provider.name) for provider in providers]
        self.fields["scope_code"].choices = choices


def _exporter(request):
    if not can_export(request.user):
        raise PermissionDenied(_("Only auditors, officials and administrators can export."))


@login_required
@require_http_methods(["GET", "POST"])
def export_index(request):
    """The list of the user's exports and the form that starts one; small CSVs download at once."""
    _exporter(request)
    form = ExportForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        filters = {key: data.get(key) for key in ("batch_year", "date_from", "date_to")}
        arguments = {
            "user": request.user,
            "kind": data["kind"],
            "scope_level": data["scope_level"],
            "scope_code": data["scope_code"],
            "as_of": data["as_of"],
            "filters": filters,
        }
        try:
            inline = (
                data["format"] == ExportFormat.CSV
                and services.export_estimate(**arguments) <= settings.EXPORT_INLINE_MAX_ROWS
            )
            job = services.export_request(fmt=data["format"], request=request, enqueue=not inline, **arguments)
            if inline:
                return _stream(request, job)
            return redirect("exports:detail", pk=job.pk)
        except DomainError as error:
            add_error_to_form(form, error)
    jobs = jobs_visible_to(request.user).select_related("requester")[:RECENT_JOBS]
    return render(request, "exports/index.html", {"form": form, "jobs": jobs})


def _stream(request, job: ExportJob):
    chunks = services.export_stream_csv(job, request=request)
    response = StreamingHttpResponse(chunks, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{services._filename(job)}"'
    return response


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
        audit_record(
            action="export",
            request=request,
            obj=job,
            details={"stage": "downloaded", "job": job.pk, "sha256": job.sha256},
        )
        return FileResponse(export_storage.open(job.file.name, "rb"), as_attachment=True, filename=job.filename)
