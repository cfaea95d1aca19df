from django import forms
from django.contrib import admin
from django.utils import timezone
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

from .enrolments import enrolment_create, enrolment_end
from .models import CapabilityAssessment, Enrolment, Recipient
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


class EnrolmentForm(ServiceModelForm):
    """An enrolment is added by `enrolment_create` and ended by `enrolment_end` (both re-verify the
    person's visits and queue the recount); nothing else of it changes here.

    On a new enrolment the form shows who, where and since when; on an existing one only the end
    (its day and reason), until it has ended: an ended enrolment is history.
    """

    creates = False  # whether the service call added the enrolment (the admin's change message says so)

    class Meta:
        model = Enrolment
        fields = ["recipient", "area", "enrolled_on", "ended_on", "end_reason"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "enrolled_on" in self.fields:
            self.fields["enrolled_on"].required = False  # the service enrols today unless told
            self.fields["enrolled_on"].initial = timezone.localdate

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is not None and self.instance.ended_on is not None and self.changed_data:
            raise forms.ValidationError(_("This enrolment has ended; an ended enrolment is not changed."))
        if cleaned.get("ended_on") and not (cleaned.get("end_reason") or "").strip():
            # The service's own message, said here before the model's constraint says it less clearly.
            self.add_error("end_reason", _("Give the reason the enrolment ends."))
        return cleaned

    def call_service(self):
        data = self.cleaned_data
        if self.instance.pk is None:
            self.creates = True
            return run_service(
                self,
                enrolment_create,
                recipient=data.get("recipient") or self.instance.recipient,
                area=data["area"],
                enrolled_on=data.get("enrolled_on"),
                acting_user=self.acting_user,
            )
        if not data.get("ended_on") or not {"ended_on", "end_reason"} & set(self.changed_data):
            return self.instance  # nothing to end: the enrolment stays as it was
        return run_service(
            self,
            enrolment_end,
            enrolment=self.instance,
            ended_on=data["ended_on"],
            reason=data.get("end_reason", ""),
            acting_user=self.acting_user,
        )


def _cycle(enrolment: Enrolment) -> str:
    area = enrolment.area
    if area.cycle_start is None:
        return "—"
    return f"{area.cycle_start:%Y-%m-%d} – {area.cycle_end:%Y-%m-%d}"


class EnrolmentDisplayMixin:
    @admin.display(description=_("batch"), ordering="area__batch__year")
    def batch_year(self, enrolment: Enrolment) -> str:
        return str(enrolment.area.batch.year) if enrolment.area_id else "—"

    @admin.display(description=_("project cycle"))
    def cycle(self, enrolment: Enrolment) -> str:
        return _cycle(enrolment) if enrolment.area_id else "—"


class _ServiceInlineMixin:
    """An inline whose forms call their services (`EnrolmentForm`) as the signed-in user."""

    form = EnrolmentForm

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form = type(formset.form.__name__, (formset.form,), {"acting_user": request.user})
        return formset


class EnrolmentInline(_ServiceInlineMixin, EnrolmentDisplayMixin, NoDeleteInlineMixin, admin.TabularInline):
    """The person's enrolments: where and when fixed, the end given here (through `enrolment_end`)."""

    model = Enrolment
    fk_name = "recipient"
    extra = 0
    fields = ["area", "batch_year", "cycle", "enrolled_on", "application", "ended_on", "end_reason"]
    readonly_fields = ["area", "batch_year", "cycle", "enrolled_on", "application"]
    ordering = ["-area__cycle_start"]
    show_change_link = True
    verbose_name_plural = _("enrolments (纳入) by batch")

    def has_add_permission(self, request, obj=None):
        return False  # new enrolments come in through `EnrolmentAddInline`

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("area__region", "area__batch", "application")


class EnrolmentAddInline(_ServiceInlineMixin, NoDeleteInlineMixin, admin.TabularInline):
    """Empty rows to enrol the person in another batch's pilot area, through `enrolment_create`."""

    model = Enrolment
    fk_name = "recipient"
    extra = 0
    fields = ["area", "enrolled_on"]
    autocomplete_fields = ["area"]
    verbose_name = _("new enrolment")
    verbose_name_plural = _("enrol in another batch")

    def get_queryset(self, request):
        return super().get_queryset(request).none()


def _save_enrolments_saved_by_their_forms(formset) -> None:
    """The inline's forms were saved by their services while validated: fill in the change message."""
    formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
    for inline_form in formset.forms:
        if not getattr(inline_form, "saved_by_service", False) or not inline_form.has_changed():
            continue
        if inline_form.creates:
            formset.new_objects.append(inline_form.instance)
        else:
            formset.changed_objects.append((inline_form.instance, inline_form.changed_data))


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
    inlines = [CapabilityAssessmentInline, EnrolmentInline, EnrolmentAddInline]
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

    def get_inlines(self, request, obj):
        inlines = list(super().get_inlines(request, obj))
        if obj is None:
            # Enrolling needs the person first: the add page registers, the change page enrols.
            inlines = [inline for inline in inlines if inline not in (EnrolmentInline, EnrolmentAddInline)]
        return inlines

    def save_formset(self, request, form, formset, change):
        if formset.model is Enrolment:
            return _save_enrolments_saved_by_their_forms(formset)
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


class EnrolmentBatchListFilter(admin.SimpleListFilter):
    """Filter by batch (批次), newest first: one query over the batches (public, no scope needed)."""

    title = _("batch")
    parameter_name = "batch"

    def lookups(self, request, model_admin):
        from eldercare.areas.models import Batch

        return [(str(year), str(year)) for year in Batch.objects.order_by("-year").values_list("year", flat=True)]

    def queryset(self, request, queryset):
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(area__batch__year=int(value))
        return queryset


@admin.register(Enrolment)
class EnrolmentAdmin(EnrolmentDisplayMixin, ServiceAdminMixin, NoDeleteMixin, HistoryAdmin):
    """Enrolments (纳入) per batch: added through `enrolment_create`, ended through `enrolment_end`."""

    form = EnrolmentForm
    list_display = [
        "recipient_name",
        "masked_id",
        "area",
        "batch_year",
        "cycle",
        "enrolled_on",
        "ended_on",
        "from_application",
    ]
    list_filter = [EnrolmentBatchListFilter, PilotAreaListFilter, ("ended_on", admin.EmptyFieldListFilter)]
    list_select_related = ["recipient", "area__region", "area__batch"]
    # The full ID number is searched exactly, never by fragment (as on the recipients' list).
    search_fields = ["recipient__name", "=recipient__resident_id"]
    autocomplete_fields = ["recipient", "area"]
    date_hierarchy = "enrolled_on"
    show_full_result_count = False
    ordering = ["-enrolled_on", "-id"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["recipient", "area", "enrolled_on"]
        return [
            "recipient",
            "area",
            "batch_year",
            "cycle",
            "enrolled_on",
            "application",
            "created_by",
            "ended_on",
            "end_reason",
        ]

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is None:
            return readonly
        fixed = ["recipient", "area", "batch_year", "cycle", "enrolled_on", "application", "created_by"]
        if obj.ended_on is not None:
            fixed += ["ended_on", "end_reason"]
        return [*readonly, *(name for name in fixed if name not in readonly)]

    @admin.display(description=_("recipient"), ordering="recipient__name")
    def recipient_name(self, enrolment: Enrolment) -> str:
        return enrolment.recipient.name

    @admin.display(description=_("resident ID number"), ordering="recipient__resident_id")
    def masked_id(self, enrolment: Enrolment) -> str:
        return enrolment.recipient.masked_resident_id

    @admin.display(description=_("from an application"), boolean=True)
    def from_application(self, enrolment: Enrolment) -> bool:
        return enrolment.application_id is not None
