from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from eldercare.core.admin import HistoryAdmin, NoDeleteInlineMixin, NoDeleteMixin, PilotAreaListFilter
from eldercare.visits.services import visits_recheck_for_recipients

from .models import CapabilityAssessment, Recipient

# A change to one of these can change whether the recipient's visits count (eligibility, area cycle).
RECHECK_RECIPIENT_FIELDS = {"economic_category", "area", "provider"}
RECHECK_ASSESSMENT_FIELDS = {"recipient", "assessed_on", "level"}


def changed_assessment_days(formsets) -> list:
    """The days from which eligibility may have changed: old and new date of each added or changed assessment."""
    days = []
    for formset in formsets:
        if formset.model is not CapabilityAssessment:
            continue
        for form in formset.forms:
            if RECHECK_ASSESSMENT_FIELDS & set(form.changed_data) and hasattr(form, "cleaned_data"):
                days += [day for day in (form.cleaned_data.get("assessed_on"), form.initial.get("assessed_on")) if day]
    return days


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
        (_("Residence"), {"fields": ["address", "home_latitude", "home_longitude"]}),
        (_("Contact"), {"fields": ["phone", "guardian_name", "guardian_phone"]}),
    ]

    @admin.display(description=_("resident ID number"), ordering="resident_id")
    def masked_id(self, recipient: Recipient) -> str:
        return recipient.masked_resident_id

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if not change:
            return  # a new recipient has no visits yet
        # Re-verifies the visits now and enqueues the roll-up recount after commit.
        if RECHECK_RECIPIENT_FIELDS & set(form.changed_data):
            visits_recheck_for_recipients([form.instance.pk])
        elif days := changed_assessment_days(formsets):
            visits_recheck_for_recipients([form.instance.pk], since=min(days))


@admin.register(CapabilityAssessment)
class CapabilityAssessmentAdmin(NoDeleteMixin, HistoryAdmin):
    list_display = ["recipient", "assessed_on", "level", "assessor_name", "assessor_provider"]
    list_filter = ["level"]
    list_select_related = ["recipient", "assessor_provider"]
    search_fields = ["recipient__name", "=recipient__resident_id", "assessor_name"]
    autocomplete_fields = ["recipient", "assessor_provider"]
    date_hierarchy = "assessed_on"
    show_full_result_count = False

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and not RECHECK_ASSESSMENT_FIELDS & set(form.changed_data):
            return
        # The assessment may have moved to another day or recipient: re-check from the earlier day, for both.
        days = [day for day in (obj.assessed_on, form.initial.get("assessed_on")) if day]
        recipients = {obj.recipient_id, form.initial.get("recipient")} - {None}
        visits_recheck_for_recipients(sorted(recipients), since=min(days))
