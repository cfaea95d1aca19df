from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from eldercare.core.admin import HistoryAdmin, NoDeleteInlineMixin, NoDeleteMixin, PilotAreaListFilter

from .models import CapabilityAssessment, Recipient


class CapabilityAssessmentInline(NoDeleteInlineMixin, admin.TabularInline):
    model = CapabilityAssessment
    extra = 0
    fields = ["assessed_on", "level", "assessor_name", "assessor_provider", "note"]
    autocomplete_fields = ["assessor_provider"]
    ordering = ["-assessed_on"]


@admin.register(Recipient)
class RecipientAdmin(NoDeleteMixin, HistoryAdmin):
    list_display = [
        "name",
        "masked_id",
        "sex",
        "birth_date",
        "area",
        "economic_category",
        "provider",
        "is_demo",
    ]
    list_filter = ["economic_category", "sex", "is_demo", PilotAreaListFilter]
    list_select_related = ["area__region", "area__batch", "provider"]
    # The full ID number is searched exactly, never by fragment.
    search_fields = ["name", "=resident_id", "=phone"]
    autocomplete_fields = ["area", "provider"]
    readonly_fields = ["sex", "birth_date"]
    inlines = [CapabilityAssessmentInline]
    show_full_result_count = False
    fieldsets = [
        (None, {"fields": ["resident_id", "name", "sex", "birth_date", "is_demo"]}),
        (_("Programme"), {"fields": ["area", "economic_category", "provider"]}),
        (_("Home"), {"fields": ["address", "home_latitude", "home_longitude"]}),
        (_("Contact"), {"fields": ["phone", "guardian_name", "guardian_phone"]}),
    ]

    @admin.display(description=_("resident ID number"), ordering="resident_id")
    def masked_id(self, recipient: Recipient) -> str:
        return recipient.masked_resident_id


@admin.register(CapabilityAssessment)
class CapabilityAssessmentAdmin(NoDeleteMixin, HistoryAdmin):
    list_display = ["recipient", "assessed_on", "level", "assessor_name", "assessor_provider"]
    list_filter = ["level"]
    list_select_related = ["recipient", "assessor_provider"]
    search_fields = ["recipient__name", "=recipient__resident_id", "assessor_name"]
    autocomplete_fields = ["recipient", "assessor_provider"]
    date_hierarchy = "assessed_on"
    show_full_result_count = False
