"""Roll-ups in the admin: read-only for everyone (they are derived data), with when they were last brought up to date.

Nobody adds, changes or deletes a roll-up row by hand: `rollups.services` writes them from visits and
`verify_rollups` proves they equal a recount. The area list says when they were last brought up to
date and has a "recompute now" button that queues the full reconcile.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.template import engines
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from eldercare.accounts.site import PilotAreaListFilter
from eldercare.core.queue import enqueue_after_commit

from .models import AreaDailySnapshot, AreaProgress, BatchProgress, RecipientProgress, RollupRun
from .rules import person_time_bands
from .services import last_brought_up_to_date

# Kept in code (the rollups app owns its one admin page). Every word comes translated through the context.
AREA_PROGRESS_CHANGE_LIST = engines["django"].from_string(
    """{% extends "admin/change_list.html" %}
{% block content_title %}{{ block.super }}
<div class="module rollup-freshness"><p><strong>{{ freshness }}</strong></p><p>{{ last_reconcile }}</p></div>
{% endblock %}
{% block object-tools-items %}{% if recompute_url %}<li>
<form method="post" action="{{ recompute_url }}" id="rollup-recompute">{% csrf_token %}
<input type="submit" class="button" value="{{ recompute_label }}"></form></li>{% endif %}{{ block.super }}
{% endblock %}
"""
)


def _moment(value) -> str:
    return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")


def _percent(numerator, denominator) -> str:
    if not denominator:
        return f"{numerator} / —"
    return f"{numerator} / {denominator} ({numerator * 100 / denominator:.1f}%)"


def _rate(value) -> str:
    return "—" if value is None else f"{value}%"


def enqueue_reconcile_after_commit() -> None:
    """Queue the full reconcile once the request's transaction commits; a broker outage is logged, not raised."""
    from .tasks import reconcile_task

    enqueue_after_commit(reconcile_task)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Derived data: viewable, never added, changed or deleted by hand."""

    show_full_result_count = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class FiguresMixin:
    """Columns shared by area, batch and snapshot figures."""

    @admin.display(description=_("person-times reached / target"), ordering="person_times_reached")
    def person_times(self, progress) -> str:
        return _percent(progress.person_times_reached, progress.target_person_times)

    @admin.display(description=_("recipients in progress, by thirds of the person-time"))
    def bands(self, progress) -> str:
        # Each row's own batch sets the threshold, so the bands are labelled in the cell: "1–9 visits: 12 / …".
        batch = progress.batch if isinstance(progress, BatchProgress) else progress.area.batch
        return " / ".join(
            f"{band.label}: {getattr(progress, band.field)}"
            for band in person_time_bands(batch.visits_per_person_time)
            if not band.is_empty
        )

    @admin.display(description=_("beds accepted / target"), ordering="beds_accepted")
    def beds(self, progress) -> str:
        return _percent(progress.beds_accepted, progress.target_beds)

    @admin.display(description=_("satisfaction rate"))
    def satisfaction(self, progress) -> str:
        return _rate(progress.satisfaction_rate)

    @admin.display(description=_("funds execution rate (资金执行率)"))
    def funds_execution(self, progress) -> str:
        return _rate(progress.funds_execution_rate)


FIGURE_COLUMNS = ["person_times", "bands", "at_risk", "beds", "satisfaction", "funds_execution", "computed_at"]


@admin.register(AreaProgress)
class AreaProgressAdmin(FiguresMixin, ReadOnlyAdmin):
    list_display = ["area", *FIGURE_COLUMNS]
    list_filter = ["area__batch", PilotAreaListFilter]
    list_select_related = ["area__region", "area__batch"]
    search_fields = ["=area__region__code", "area__region__name"]
    ordering = ["area__region__code"]
    change_list_template = AREA_PROGRESS_CHANGE_LIST

    def has_recompute_permission(self, request) -> bool:
        # No one changes a roll-up row, but staff allowed to change area progress may ask for a recompute.
        return request.user.is_active and request.user.is_staff and request.user.has_perm("rollups.change_areaprogress")

    def get_urls(self):
        urls = [
            path(
                "recompute/",
                self.admin_site.admin_view(self.recompute_view),
                name="rollups_areaprogress_recompute",
            )
        ]
        return urls + super().get_urls()

    def changelist_view(self, request, extra_context=None):
        latest = last_brought_up_to_date()
        run = RollupRun.objects.filter(kind=RollupRun.Kind.RECONCILE, finished_at__isnull=False).order_by(
            "-finished_at"
        )
        run = run.first()
        context = {
            "freshness": gettext("Roll-ups last brought up to date at %(moment)s.") % {"moment": _moment(latest)}
            if latest
            else gettext("Roll-ups have not been computed yet."),
            "last_reconcile": gettext("Last full reconcile: finished %(moment)s, %(areas)d areas.")
            % {"moment": _moment(run.finished_at), "areas": run.areas}
            if run
            else gettext("No full reconcile has finished yet."),
        }
        if self.has_recompute_permission(request):
            context["recompute_url"] = reverse("admin:rollups_areaprogress_recompute")
            context["recompute_label"] = gettext("Recompute now")
        return super().changelist_view(request, {**context, **(extra_context or {})})

    def recompute_view(self, request):
        """Queue the full reconcile (re-check recent visits, rebuild every roll-up); in eager mode it runs now."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_recompute_permission(request):
            raise PermissionDenied
        enqueue_reconcile_after_commit()
        self.message_user(
            request,
            gettext("A full recompute of the roll-ups was requested; the time above changes once it has finished."),
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:rollups_areaprogress_changelist"))


@admin.register(BatchProgress)
class BatchProgressAdmin(FiguresMixin, ReadOnlyAdmin):
    list_display = ["batch", *FIGURE_COLUMNS]
    list_select_related = ["batch"]


@admin.register(AreaDailySnapshot)
class AreaDailySnapshotAdmin(FiguresMixin, ReadOnlyAdmin):
    list_display = ["day", "area", *FIGURE_COLUMNS]
    list_filter = [PilotAreaListFilter]
    list_select_related = ["area__region", "area__batch"]
    date_hierarchy = "day"
    ordering = ["-day", "area__region__code"]


@admin.register(RecipientProgress)
class RecipientProgressAdmin(ReadOnlyAdmin):
    list_display = ["recipient", "area", "counted_visits", "reached_on", "last_counted_on", "at_risk", "computed_at"]
    list_filter = [PilotAreaListFilter, "at_risk"]
    list_select_related = ["recipient", "area__region", "area__batch"]
    search_fields = ["recipient__name"]
    ordering = ["area", "-counted_visits"]


@admin.register(RollupRun)
class RollupRunAdmin(ReadOnlyAdmin):
    list_display = ["started_at", "kind", "finished_at", "areas", "differences"]
    list_filter = ["kind"]
    date_hierarchy = "started_at"
