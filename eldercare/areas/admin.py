from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from eldercare.core.admin import (
    HistoryAdmin,
    NoDeleteInlineMixin,
    NoDeleteMixin,
    PilotAreaListFilter,
    ProvinceListFilter,
)

from .models import Batch, Disbursement, FundAllocation, PilotArea, Region


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "full_name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["=code", "name", "full_name"]
    list_select_related = ["parent"]
    autocomplete_fields = ["parent"]
    show_full_result_count = False


@admin.register(Batch)
class BatchAdmin(HistoryAdmin):
    list_display = ["year", "name", "target_beds", "target_person_times", "visits_per_person_time", "bed_cost_cap"]
    search_fields = ["name", "=year"]
    fieldsets = [
        (None, {"fields": ["year", "name"]}),
        (_("National targets"), {"fields": ["target_beds", "target_person_times"]}),
        (
            _("Verification settings"),
            {
                "fields": [
                    "visits_per_person_time",
                    "min_visit_minutes",
                    "max_visit_hours",
                    "checkin_radius_m",
                    "late_entry_days",
                    "lock_after_days",
                    "bed_cost_cap",
                    "visits_include_partial_disability",
                ]
            },
        ),
    ]


class FundAllocationInline(admin.TabularInline):
    model = FundAllocation
    extra = 0
    fields = ["use", "amount", "document_number"]


class DisbursementInline(NoDeleteInlineMixin, admin.TabularInline):
    model = Disbursement
    extra = 0
    fields = ["paid_on", "amount", "use", "payee", "voucher_number"]
    ordering = ["-paid_on"]


@admin.register(PilotArea)
class PilotAreaAdmin(HistoryAdmin):
    list_display = [
        "region_code",
        "region_name",
        "batch",
        "demo_marker",
        "cycle_start",
        "cycle_end",
        "target_beds",
        "target_person_times",
        "target_satisfaction",
    ]
    list_display_links = ["region_code", "region_name"]
    list_filter = ["batch", "is_demo", ProvinceListFilter]
    list_select_related = ["region", "batch"]
    search_fields = ["=region__code", "region__name", "region__full_name"]
    autocomplete_fields = ["region"]
    ordering = ["-batch__year", "region__code"]
    inlines = [FundAllocationInline, DisbursementInline]
    fieldsets = [
        (None, {"fields": ["batch", "region", "is_demo"]}),
        (_("Project cycle"), {"fields": ["funds_arrived_on", "cycle_start", "cycle_end"]}),
        (_("Targets"), {"fields": ["target_beds", "target_person_times", "target_satisfaction"]}),
    ]

    @admin.display(description=_("division code"), ordering="region__code")
    def region_code(self, area: PilotArea) -> str:
        return area.region.code

    @admin.display(description=_("name"), ordering="region__name")
    def region_name(self, area: PilotArea) -> str:
        return area.region.full_name or area.region.name

    @admin.display(description=_("data"), ordering="is_demo")
    def demo_marker(self, area: PilotArea) -> str:
        if area.is_demo:
            return format_html(
                '<strong style="color:#b45309" title="{}">{}</strong>',
                _("Invented for demonstration; not part of the official list."),
                _("Demo (示例)"),
            )
        return _("Official")


@admin.register(FundAllocation)
class FundAllocationAdmin(HistoryAdmin):
    list_display = ["area", "use", "amount", "document_number"]
    list_filter = ["use", PilotAreaListFilter]
    list_select_related = ["area__region", "area__batch"]
    search_fields = ["=area__region__code", "area__region__name", "document_number"]
    autocomplete_fields = ["area"]


@admin.register(Disbursement)
class DisbursementAdmin(NoDeleteMixin, HistoryAdmin):
    list_display = ["paid_on", "area", "use", "amount", "payee", "voucher_number"]
    list_filter = ["use", PilotAreaListFilter]
    list_select_related = ["area__region", "area__batch"]
    search_fields = ["voucher_number", "payee", "=area__region__code", "area__region__name"]
    autocomplete_fields = ["area"]
    date_hierarchy = "paid_on"
