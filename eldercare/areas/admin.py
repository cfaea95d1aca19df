from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from eldercare.accounts.site import (
    HistoryAdmin,
    NoDeleteInlineMixin,
    NoDeleteMixin,
    PilotAreaListFilter,
    ProvinceListFilter,
    ServiceAdminMixin,
    ServiceModelForm,
    run_service,
)
from eldercare.core.admin_services import save_inline_through_services

from .models import Batch, Disbursement, FundAllocation, PilotArea, Region, Township
from .services import (
    AREA_FIELDS,
    BATCH_FIELDS,
    DISBURSEMENT_FIELDS,
    FUND_ALLOCATION_FIELDS,
    batch_save,
    disbursement_save,
    fund_allocation_save,
    pilot_area_save,
)
from .township_services import TOWNSHIP_FIELDS, township_save


def saved_by(service, record_argument: str, allowed: frozenset) -> type[ServiceModelForm]:
    """A model form whose save is `service(<record_argument>=instance, acting_user=…, **changed fields)`."""

    class Form(ServiceModelForm):
        def call_service(self):
            names = allowed & set(self.cleaned_data) if self.instance.pk is None else allowed & set(self.changed_data)
            changes = {name: self.cleaned_data[name] for name in names}
            target = self.instance if self.instance.pk else type(self.instance)()
            return run_service(self, service, **{record_argument: target}, acting_user=self.acting_user, **changes)

    return Form


def _inline_writer(service, record_argument: str):
    def create(*, area, acting_user, **fields):
        model = {"allocation": FundAllocation, "disbursement": Disbursement}[record_argument]
        return service(**{record_argument: model()}, area=area, acting_user=acting_user, **fields)

    def update(obj, *, acting_user, **changes):
        return service(**{record_argument: obj}, acting_user=acting_user, **changes)

    return create, update


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "full_name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["=code", "name", "full_name"]
    list_select_related = ["parent"]
    autocomplete_fields = ["parent"]
    show_full_result_count = False


def _demo_marker(is_demo: bool) -> str:
    if is_demo:
        return format_html(
            '<strong style="color:#b45309" title="{}">{}</strong>',
            _("Invented for demonstration; not part of the official list."),
            _("Demo (示例)"),
        )
    return _("Official")


@admin.register(Township)
class TownshipAdmin(ServiceAdminMixin, NoDeleteMixin, HistoryAdmin):
    """Townships (街道/乡镇) under their county; an official list is loaded with `manage.py import_regions`."""

    form = saved_by(township_save, "township", TOWNSHIP_FIELDS)
    list_display = ["code", "name", "kind", "region", "demo_marker"]
    list_filter = ["is_demo", ProvinceListFilter]
    list_select_related = ["region"]
    search_fields = ["=code", "name", "=region__code", "region__name"]
    autocomplete_fields = ["region"]
    show_full_result_count = False
    fields = ["region", "code", "name", "is_demo"]

    @admin.display(description=_("kind"))
    def kind(self, township: Township) -> str:
        return township.get_kind_display()

    @admin.display(description=_("data"), ordering="is_demo")
    def demo_marker(self, township: Township) -> str:
        return _demo_marker(township.is_demo)


@admin.register(Batch)
class BatchAdmin(ServiceAdminMixin, HistoryAdmin):
    form = saved_by(batch_save, "batch", BATCH_FIELDS)
    list_display = ["year", "name", "target_beds", "target_person_times", "visits_per_person_time", "bed_cost_cap"]
    search_fields = ["name", "=year"]
    fieldsets = [
        (None, {"fields": ["year", "name"]}),
        (_("National targets"), {"fields": ["target_beds", "target_person_times"]}),
        (
            _("Verification settings"),
            {"fields": list(Batch.RULE_SETTINGS)},
        ),
    ]


class FundAllocationInline(NoDeleteInlineMixin, admin.TabularInline):
    model = FundAllocation
    extra = 0
    fields = ["use", "amount", "document_number"]


class DisbursementInline(NoDeleteInlineMixin, admin.TabularInline):
    model = Disbursement
    extra = 0
    fields = ["paid_on", "amount", "use", "payee", "voucher_number"]
    ordering = ["-paid_on"]


@admin.register(PilotArea)
class PilotAreaAdmin(ServiceAdminMixin, HistoryAdmin):
    form = saved_by(pilot_area_save, "area", AREA_FIELDS)
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

    def save_formset(self, request, form, formset, change):
        writers = {
            FundAllocation: (fund_allocation_save, "allocation"),
            Disbursement: (disbursement_save, "disbursement"),
        }
        if formset.model not in writers:
            return super().save_formset(request, form, formset, change)
        create, update = _inline_writer(*writers[formset.model])
        save_inline_through_services(request, form, formset, parent="area", create=create, update=update)

    @admin.display(description=_("division code"), ordering="region__code")
    def region_code(self, area: PilotArea) -> str:
        return area.region.code

    @admin.display(description=_("name"), ordering="region__name")
    def region_name(self, area: PilotArea) -> str:
        return area.region.full_name or area.region.name

    @admin.display(description=_("data"), ordering="is_demo")
    def demo_marker(self, area: PilotArea) -> str:
        return _demo_marker(area.is_demo)


@admin.register(FundAllocation)
class FundAllocationAdmin(ServiceAdminMixin, HistoryAdmin):
    form = saved_by(fund_allocation_save, "allocation", FUND_ALLOCATION_FIELDS)
    list_display = ["area", "use", "amount", "document_number"]
    list_filter = ["use", PilotAreaListFilter]
    list_select_related = ["area__region", "area__batch"]
    search_fields = ["=area__region__code", "area__region__name", "document_number"]
    autocomplete_fields = ["area"]


@admin.register(Disbursement)
class DisbursementAdmin(ServiceAdminMixin, NoDeleteMixin, HistoryAdmin):
    form = saved_by(disbursement_save, "disbursement", DISBURSEMENT_FIELDS)
    list_display = ["paid_on", "area", "use", "amount", "payee", "voucher_number"]
    list_filter = ["use", PilotAreaListFilter]
    list_select_related = ["area__region", "area__batch"]
    search_fields = ["voucher_number", "payee", "=area__region__code", "area__region__name"]
    autocomplete_fields = ["area"]
    date_hierarchy = "paid_on"
