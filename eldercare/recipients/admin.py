from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from eldercare.accounts.site import (
    HistoryAdmin,
    NoDeleteInlineMixin,
    NoDeleteMixin,
    PilotAreaListFilter,
    ServiceAdminMixin,
    ServiceModelForm,
    run_service,
)
from eldercare.confirmations.admin import RecipientCardsAdminMixin
from eldercare.core.admin_services import save_inline_through_services
from eldercare.core.geo import CoordinateSystem
from eldercare.visits.forms import typed_coordinate_system_field

from .models import CapabilityAssessment, Recipient
from .services import (
    ASSESSMENT_FIELDS,
    RECIPIENT_FIELDS,
    assessment_record,
    assessment_update,
    recipient_create,
    recipient_update,
)


def _record_assessment(*, recipient, acting_user, **fields):
    return assessment_record(recipient=recipient, acting_user=acting_user, **fields)


def _correct_assessment(assessment, *, acting_user, **changes):
    return assessment_update(assessment=assessment, acting_user=acting_user, **changes)


class RecipientForm(ServiceModelForm):
    """Saved by `recipient_create` / `recipient_update`, which queue what the change invalidates."""

    coordinates_typed_in = typed_coordinate_system_field()

    class Meta:
        model = Recipient
        fields = "__all__"

    def _home_system(self) -> dict:
        # The map the home coordinates were typed from; the service keeps them in WGS-84.
        return {"coordinate_system": self.cleaned_data.get("coordinates_typed_in") or CoordinateSystem.WGS84}

    def call_service(self):
        if self.instance.pk is None:
            fields = {name: self.cleaned_data[name] for name in RECIPIENT_FIELDS if name in self.cleaned_data}
            return run_service(self, recipient_create, acting_user=self.acting_user, **fields, **self._home_system())
        changes = {name: self.cleaned_data[name] for name in self.changed_data if name in RECIPIENT_FIELDS}
        return run_service(
            self,
            recipient_update,
            recipient=self.instance,
            acting_user=self.acting_user,
            **changes,
            **self._home_system(),
        )


class AssessmentForm(ServiceModelForm):
    """Saved by `assessment_record` / `assessment_update`, which re-check visits from its day on."""

    class Meta:
        model = CapabilityAssessment
        fields = "__all__"

    def call_service(self):
        if self.instance.pk is None:
            fields = {name: self.cleaned_data[name] for name in ASSESSMENT_FIELDS if name in self.cleaned_data}
            return run_service(self, assessment_record, acting_user=self.acting_user, **fields)
        changes = {name: self.cleaned_data[name] for name in self.changed_data if name in ASSESSMENT_FIELDS}
        return run_service(self, assessment_update, assessment=self.instance, acting_user=self.acting_user, **changes)


class CapabilityAssessmentInline(NoDeleteInlineMixin, admin.TabularInline):
    model = CapabilityAssessment
    extra = 0
    fields = ["assessed_on", "level", "assessor_name", "assessor_provider", "note"]
    autocomplete_fields = ["assessor_provider"]
    ordering = ["-assessed_on"]


@admin.register(Recipient)
class RecipientAdmin(RecipientCardsAdminMixin, ServiceAdminMixin, NoDeleteMixin, HistoryAdmin):
    form = RecipientForm
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
    autocomplete_fields = ["area", "township", "provider"]
    readonly_fields = ["sex", "birth_date"]
    inlines = [CapabilityAssessmentInline]
    show_full_result_count = False
    fieldsets = [
        (None, {"fields": ["resident_id", "name", "sex", "birth_date", "is_demo"]}),
        (_("Programme"), {"fields": ["area", "township", "economic_category", "provider"]}),
        (_("Residence"), {"fields": ["address", "coordinates_typed_in", "home_latitude", "home_longitude"]}),
        (_("Contact"), {"fields": ["phone", "guardian_name", "guardian_phone"]}),
    ]

    @admin.display(description=_("resident ID number"), ordering="resident_id")
    def masked_id(self, recipient: Recipient) -> str:
        return recipient.masked_resident_id

    @admin.display(description=_("coordinates typed in"))
    def coordinates_typed_in(self, recipient: Recipient) -> str:
        # A page that cannot change the home shows it as stored: in WGS-84.
        return CoordinateSystem.WGS84.label

    def save_formset(self, request, form, formset, change):
        if formset.model is not CapabilityAssessment:
            return super().save_formset(request, form, formset, change)
        save_inline_through_services(
            request, form, formset, parent="recipient", create=_record_assessment, update=_correct_assessment
        )


@admin.register(CapabilityAssessment)
class CapabilityAssessmentAdmin(ServiceAdminMixin, NoDeleteMixin, HistoryAdmin):
    form = AssessmentForm
    list_display = ["recipient", "assessed_on", "level", "assessor_name", "assessor_provider"]
    list_filter = ["level"]
    list_select_related = ["recipient", "assessor_provider"]
    search_fields = ["recipient__name", "=recipient__resident_id", "assessor_name"]
    autocomplete_fields = ["recipient", "assessor_provider"]
    date_hierarchy = "assessed_on"
    show_full_result_count = False
