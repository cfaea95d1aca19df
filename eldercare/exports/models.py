"""An auditor's export (导出记录): what was asked for, by whom, over which scope and day, and its hashes.

The row is written when the export is requested and completed by the job that writes the file,
so the record exists even for an export that failed. `sha256` is the hash of the data rows
(exports.writers explains the canonical form); `file_sha256` the hash of the file's bytes.
"""

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models import Q
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _


class ExportStorage(FileSystemStorage):
    """Export files live under EXPORT_ROOT, outside MEDIA_ROOT: they are served only by the download view."""

    @cached_property
    def base_location(self):
        return settings.EXPORT_ROOT

    @cached_property
    def location(self):
        return os.path.abspath(self.base_location)

    @cached_property
    def base_url(self):
        return None

    def _clear_cached_properties(self, setting, **kwargs):
        if setting == "EXPORT_ROOT":
            for name in ("base_location", "location"):
                self.__dict__.pop(name, None)


export_storage = ExportStorage()


def _export_storage():
    return export_storage


class ExportKind(models.TextChoices):
    PROGRESS = "progress", _("Progress report (进度报告)")
    RECIPIENTS = "recipients", _("Recipient ledger (服务对象台账)")
    VISITS = "visits", _("Visit ledger (上门服务台账)")
    BEDS = "beds", _("Family care bed ledger (家庭养老床位台账)")
    EXCEPTIONS = "exceptions", _("Exceptions and resolutions (异常及处理)")
    DISBURSEMENTS = "disbursements", _("Fund disbursements (资金拨付)")
    APPLICATIONS = "applications", _("Applications and their reviews (申请审核流转台账)")
    FEE_SHEETS = "fee_sheets", _("Fee confirmation sheets (服务费用确认单)")
    VISIT_HISTORY = "visit_history", _("Home-visit service history per person (居家养老上门服务历史表)")
    FEE_HISTORY = "fee_history", _("Fee history per person (历史费用表)")


class ExportFormat(models.TextChoices):
    XLSX = "xlsx", _("Excel (XLSX)")
    # A zip of the data (only the table) and its provenance sidecar (exports.writers).
    CSV = "csv", _("CSV (UTF-8, zipped with its provenance)")
    PDF = "pdf", _("PDF")


class ScopeLevel(models.TextChoices):
    NATIONAL = "national", _("National (all areas in my scope)")
    PROVINCE = "province", _("Province")
    AREA = "area", _("Pilot area")
    PROVIDER = "provider", _("Provider")


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
    EXPIRED = "expired", _("Expired: file removed")


class ExportJob(models.Model):
    """One export: requested from the exports page, written by a Celery job, kept for EXPORT_RETENTION_DAYS."""

    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("report"), max_length=16, choices=ExportKind.choices)
    format = models.CharField(_("format"), max_length=8, choices=ExportFormat.choices)
    scope_level = models.CharField(_("scope"), max_length=16, choices=ScopeLevel.choices)
    # Province: its 6-digit division code; area: the region's 6-digit code; provider: the credit code.
    scope_code = models.CharField(_("scope code"), max_length=18, blank=True)
    scope_label = models.CharField(_("scope name"), max_length=200, blank=True)
    as_of = models.DateField(_("as of (end of day)"))
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    # Why the data leave the system: asked on the exports page, kept here, in the audit event's
    # reason and in the file's provenance.
    purpose = models.CharField(_("purpose"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=ExportStatus.choices, default=ExportStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    rows_estimated = models.PositiveBigIntegerField(_("rows expected"), null=True, blank=True)
    rows_written = models.PositiveBigIntegerField(_("data rows written"), default=0)
    sha256 = models.CharField(_("SHA-256 of the data rows"), max_length=64, blank=True, db_index=True)
    file_sha256 = models.CharField(_("SHA-256 of the file"), max_length=64, blank=True, db_index=True)
    file = models.FileField(_("file"), storage=_export_storage, upload_to="%Y/%m/", max_length=255, blank=True)
    filename = models.CharField(_("file name"), max_length=200, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("file kept until"), null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="export_progress_is_percentage"),
            models.CheckConstraint(
                condition=~Q(status="done") | (~Q(sha256="") & Q(finished_at__isnull=False)),
                name="export_done_has_hash_and_time",
            ),
        ]
        indexes = [models.Index(fields=["requester", "-created_at"], name="export_requester_recent")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()} · {self.as_of} · {self.get_format_display()}"

    @property
    def is_finished(self) -> bool:
        return self.status in (ExportStatus.DONE, ExportStatus.FAILED, ExportStatus.EXPIRED)
