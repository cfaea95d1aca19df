from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from eldercare.core.admin import (
    HistoryAdmin,
    NoDeleteMixin,
    PilotAreaListFilter,
    ServiceAdminMixin,
    ServiceModelForm,
    run_service,
)

from . import services
from .models import ServiceCategory, ServiceItem, Visit, VisitStatus

FILE_FIELDS = {"photo_start", "photo_end"}

# Shown, never typed: derived from the recipient and the start, or set only by voiding.
RECORD_FIELDS = [
    "client_uuid",
    "area",
    "service_date",
    "status",
    "void_reason",
    "voided_at",
    "voided_by",
    "entered_by",
    "fee_confirmed_at",
    "fee_confirmed_by",
]


class ServiceItemInline(admin.TabularInline):
    model = ServiceItem
    extra = 0
    fields = ["code", "name", "is_active"]
    can_delete = False


@admin.register(ServiceCategory)
class ServiceCategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "sort_order"]
    search_fields = ["code", "name"]
    inlines = [ServiceItemInline]


@admin.register(ServiceItem)
class ServiceItemAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "category", "is_active"]
    list_filter = ["category", "is_active"]
    list_select_related = ["category"]
    search_fields = ["code", "name"]


class VisitForm(ServiceModelForm):
    """One screen to log a visit; saving goes through visit_create or visit_update."""

    change_reason = forms.CharField(
        label=_("reason for the change"),
        required=False,
        max_length=255,
        help_text=_("Kept in the visit's history with the change."),
    )

    class Meta:
        model = Visit
        fields = "__all__"

    def _service_values(self, names) -> dict:
        values = {}
        for name in names:
            value = self.cleaned_data.get(name)
            if name in FILE_FIELDS:
                if value is None:  # no new upload: leave the file as it is
                    continue
                if value is False:  # "clear" ticked
                    value = ""
            values[name] = value
        return values

    def call_service(self):
        editable = [name for name in self.fields if name in services.EDITABLE_FIELDS]
        if self.instance._state.adding:
            return run_service(
                self,
                services.visit_create,
                acting_user=self.acting_user,
                items=list(self.cleaned_data.get("items") or []),
                **self._service_values(editable),
            )
        changed = [name for name in editable if name in self.changed_data]
        items = list(self.cleaned_data["items"]) if "items" in self.changed_data else None
        if not changed and items is None:
            return self.instance
        return run_service(
            self,
            services.visit_update,
            visit=self.instance,
            acting_user=self.acting_user,
            reason=self.cleaned_data.get("change_reason", ""),
            items=items,
            **self._service_values(changed),
        )


@admin.register(Visit)
class VisitAdmin(NoDeleteMixin, ServiceAdminMixin, HistoryAdmin):
    form = VisitForm
    list_display = [
        "started_at",
        "recipient__name",
        "caregiver__name",
        "provider__name",
        "category",
        "area",
        "duration",
        "satisfaction",
        "status",
    ]
    list_filter = ["status", "category", "satisfaction", PilotAreaListFilter]
    list_select_related = ["recipient", "caregiver", "provider", "category", "area__region", "area__batch"]
    search_fields = ["=recipient__resident_id", "recipient__name", "caregiver__name", "=client_uuid"]
    autocomplete_fields = ["recipient", "provider", "caregiver"]
    date_hierarchy = "started_at"
    # Millions of rows: no second COUNT(*) over the whole table for "N total".
    show_full_result_count = False

    def get_fieldsets(self, request, obj=None):
        fieldsets = [
            (None, {"fields": ["recipient", "provider", "caregiver", "category", "items"]}),
            (
                _("Time and place"),
                {
                    "fields": [
                        "started_at",
                        "ended_at",
                        ("checkin_latitude", "checkin_longitude"),
                        ("checkout_latitude", "checkout_longitude"),
                    ]
                },
            ),
            (None, {"fields": ["satisfaction", "photo_start", "photo_end", "note"]}),
        ]
        if obj is not None:
            fieldsets += [
                (_("Change"), {"fields": ["change_reason"]}),
                (_("Record"), {"fields": RECORD_FIELDS}),
            ]
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        return RECORD_FIELDS if obj is not None else []

    def has_change_permission(self, request, obj=None):
        # A voided or locked visit (fee confirmed, or past the batch's lock period) is evidence as it
        # stands: it can be looked at, not changed.
        if obj is not None and (obj.status == VisitStatus.VOIDED or services.visit_is_locked(obj)):
            return False
        return super().has_change_permission(request, obj)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "items":
            kwargs["widget"] = forms.CheckboxSelectMultiple
            kwargs["queryset"] = ServiceItem.objects.filter(is_active=True).select_related("category")
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    @admin.display(description=_("minutes"))
    def duration(self, visit: Visit) -> str:
        minutes = visit.duration_minutes
        return "" if minutes is None else f"{minutes:.0f}"
