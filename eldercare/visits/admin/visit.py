"""Logging and changing visits in the admin, through the services; fee confirmation and voiding.

After a visit is saved the page says whether it counts toward the recipient's person-time and, if
not, every reason why (`verification.count_decision`). A visit logged from a provider's home goes
back there (`?back=provider-home`).
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from eldercare.accounts.scoping import scope_of, scope_queryset
from eldercare.accounts.site import (
    HistoryAdmin,
    NoDeleteMixin,
    PilotAreaListFilter,
    ServiceAdminMixin,
    ServiceModelForm,
    run_service,
)
from eldercare.core.errors import DomainError
from eldercare.core.geo import CoordinateSystem, parse_accuracy_m

from .. import services
from ..forms import VoidVisitsForm, typed_coordinate_system_field
from ..models import ServiceCategory, ServiceItem, Visit, VisitStatus
from .common import (
    FEE_CONFIRM_LIMIT,
    OFFICIAL_ROLES,
    VOID_LIMIT,
    action_page,
    count_decision_html,
    count_message,
    ids_within,
    writes_in_scope,
)
from .photos import VisitConfirmationInline, VisitPhotoInline

# Shown on the change page of a visit, computed from verification.
VERIFICATION_FIELDS = ["counts_toward_person_time", "locked", "exception_list"]

# Shown, never typed: derived from the recipient and the start, kept as the device sent it, or set
# only by voiding.
RECORD_FIELDS = [
    "client_uuid",
    "coordinate_system",
    "checkin_latitude_sent",
    "checkin_longitude_sent",
    "checkout_latitude_sent",
    "checkout_longitude_sent",
    "satisfaction_source",
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
# `?back=provider-home` on the add page: after saving, return to the provider's home.
BACK_PARAMETER, BACK_TO_PROVIDER_HOME = "back", "provider-home"


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
    coordinates_typed_in = typed_coordinate_system_field()

    class Meta:
        model = Visit
        fields = "__all__"

    def _accuracy(self, name: str):
        # Refused on its own field, in the service's words, before the model's constraint would
        # refuse it for the whole form.
        try:
            return parse_accuracy_m(self.cleaned_data.get(name))
        except ValidationError as error:
            raise forms.ValidationError(error.messages, code=error.code) from None

    def clean_checkin_accuracy_m(self):
        return self._accuracy("checkin_accuracy_m")

    def clean_checkout_accuracy_m(self):
        return self._accuracy("checkout_accuracy_m")

    def _service_values(self, names) -> dict:
        values = {name: self.cleaned_data.get(name) for name in names}
        # Only coordinates typed anew are read in the map chosen; those left as shown (WGS-84) stay.
        if any(name in values for name in services.COORDINATE_FIELDS):
            values["coordinate_system"] = self.cleaned_data.get("coordinates_typed_in") or CoordinateSystem.WGS84
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
        "recipient",
        "caregiver",
        "provider",
        "category",
        "area",
        "duration",
        "satisfaction",
        "status",
    ]
    list_filter = ["status", "category", "satisfaction", PilotAreaListFilter]
    list_select_related = ["recipient", "caregiver__provider", "provider", "category", "area__region", "area__batch"]
    search_fields = ["=recipient__resident_id", "recipient__name", "caregiver__name", "=client_uuid"]
    autocomplete_fields = ["recipient", "provider", "caregiver"]
    date_hierarchy = "started_at"
    # Millions of rows: no second COUNT(*) over the whole table for "N total".
    show_full_result_count = False
    actions = ["confirm_fees", "void_visits"]
    inlines = [VisitPhotoInline, VisitConfirmationInline]

    def get_fieldsets(self, request, obj=None):
        # What goes with a change (the map typed from, the reason) is asked only where one can be made.
        writable = obj is None or self.has_change_permission(request, obj)
        fieldsets = [
            (None, {"fields": ["recipient", "provider", "caregiver", "category", "items"]}),
            (
                _("Time and place"),
                {
                    "fields": [
                        "started_at",
                        "ended_at",
                        *(["coordinates_typed_in"] if writable else []),
                        ("checkin_latitude", "checkin_longitude", "checkin_accuracy_m"),
                        ("checkout_latitude", "checkout_longitude", "checkout_accuracy_m"),
                    ]
                },
            ),
            (None, {"fields": ["satisfaction", "note"]}),
        ]
        if obj is not None:
            fieldsets.append((_("Verification"), {"fields": VERIFICATION_FIELDS}))
            if writable:
                fieldsets.append((_("Change"), {"fields": ["change_reason"]}))
            fieldsets.append((_("Record"), {"fields": RECORD_FIELDS}))
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        return [*VERIFICATION_FIELDS, *RECORD_FIELDS] if obj is not None else []

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

    # --- Verification, shown on the change page ---

    @admin.display(description=_("counts toward the person-time"))
    def counts_toward_person_time(self, visit: Visit) -> str:
        return count_decision_html(visit)

    @admin.display(description=_("locked"), boolean=True)
    def locked(self, visit: Visit) -> bool:
        return services.visit_is_locked(visit)

    @admin.display(description=_("exceptions"))
    def exception_list(self, visit: Visit) -> str:
        exceptions = visit.exceptions.select_related("reason_code", "resolved_by").order_by("created_at", "pk")
        rows = format_html_join(
            "",
            '<tr><td><a href="{}">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>',
            (
                (
                    reverse("admin:visits_visitexception_change", args=[exception.pk]),
                    exception.get_type_display(),
                    exception.get_severity_display(),
                    exception.get_status_display(),
                    exception.detail,
                    exception.reason_code.label if exception.reason_code else "",
                    exception.resolution_note,
                )
                for exception in exceptions
            ),
        )
        if not rows:
            return gettext("None")
        headers = format_html_join(
            "",
            "<th>{}</th>",
            ((label,) for label in (_("type"), _("severity"), _("status"), _("detail"), _("reason code"), _("note"))),
        )
        return format_html("<table><thead><tr>{}</tr></thead><tbody>{}</tbody></table>", headers, rows)

    # --- Fee confirmation and voiding: allowed on locked visits, through the services ---

    def has_confirm_fees_permission(self, request) -> bool:
        # Fee confirmation (费用确认) is the payer's: officials, not the provider that logged the visit.
        scope = scope_of(request.user)
        return scope.can_write and scope.role in OFFICIAL_ROLES and super().has_change_permission(request)

    def has_void_permission(self, request, obj: Visit | None = None) -> bool:
        if obj is not None and obj.status == VisitStatus.VOIDED:
            return False
        return writes_in_scope(request) and super().has_change_permission(request)

    @admin.action(description=_("Confirm fees (费用确认): lock the selected visits"), permissions=["confirm_fees"])
    def confirm_fees(self, request, queryset):
        ids = ids_within(request, scope_queryset(request.user, queryset), FEE_CONFIRM_LIMIT)
        if ids is None:
            return
        confirmed = services.visits_confirm_fees(visit_ids=ids, acting_user=request.user)
        self.message_user(
            request,
            ngettext(
                "%(confirmed)d visit confirmed and locked; %(skipped)d skipped (already confirmed or voided).",
                "%(confirmed)d visits confirmed and locked; %(skipped)d skipped (already confirmed or voided).",
                confirmed,
            )
            % {"confirmed": confirmed, "skipped": len(ids) - confirmed},
            messages.SUCCESS if confirmed else messages.INFO,
        )

    @admin.action(description=_("Void the selected visits with a reason"), permissions=["void"])
    def void_visits(self, request, queryset):
        queryset = scope_queryset(request.user, queryset)
        ids = ids_within(request, queryset, VOID_LIMIT)
        if ids is None:
            return None
        if "apply" in request.POST:
            form = VoidVisitsForm(request.POST)
            if form.is_valid():
                self._void(request, ids, form.cleaned_data["reason"])
                return None
        else:
            form = VoidVisitsForm()
        return self._void_page(request, queryset, form, action="void_visits")

    def _void(self, request, ids: list[int], reason: str) -> int:
        """Void each visit in its own transaction; report how many were voided and which were refused."""
        voided, refused = 0, []
        for pk in ids:
            try:
                with transaction.atomic():
                    services.visit_void(visit=Visit(pk=pk), reason=reason, acting_user=request.user)
            except DomainError as error:
                refused.append(f"#{pk}: {error.message}")
            else:
                voided += 1
        self.message_user(
            request,
            ngettext("%(count)d visit voided.", "%(count)d visits voided.", voided) % {"count": voided},
            messages.SUCCESS if voided else messages.INFO,
        )
        if refused:
            self.message_user(request, gettext("Not voided: %(list)s") % {"list": "; ".join(refused)}, messages.WARNING)
        return voided

    def _void_page(self, request, queryset, form, *, action=None, original=None):
        return action_page(
            self,
            request,
            queryset=queryset.select_related("recipient", "category"),
            form=form,
            title=gettext("Void visits with a reason"),
            intro=gettext(
                "A voided visit no longer counts; the visit and its original content stay as evidence. "
                "Locked visits can be voided too."
            ),
            submit_label=gettext("Void"),
            action=action,
            original=original,
        )

    def get_urls(self):
        urls = [path("<int:pk>/void/", self.admin_site.admin_view(self.void_view), name="visits_visit_void")]
        return urls + super().get_urls()

    def void_view(self, request, pk: int):
        """The "void with reason" button of one visit; works on a locked visit as well."""
        visit = get_object_or_404(scope_queryset(request.user, self.get_queryset(request)), pk=pk)
        if not self.has_void_permission(request, visit):
            raise PermissionDenied
        form = VoidVisitsForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            voided = run_service(
                form,
                services.visit_void,
                field_map={"void_reason": "reason"},
                visit=visit,
                reason=form.cleaned_data["reason"],
                acting_user=request.user,
            )
            if voided is not None:
                self.message_user(request, gettext("The visit is voided."), messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:visits_visit_change", args=[visit.pk]))
        return self._void_page(request, Visit.objects.filter(pk=visit.pk), form, original=visit)

    # --- After saving: does it count? ---

    def response_add(self, request, obj, post_url_continue=None):
        self._say_whether_it_counts(request, obj)
        if request.GET.get(BACK_PARAMETER) == BACK_TO_PROVIDER_HOME and "_addanother" not in request.POST:
            return HttpResponseRedirect(reverse("providers:home"))
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        self._say_whether_it_counts(request, obj)
        return super().response_change(request, obj)

    def _say_whether_it_counts(self, request, visit: Visit) -> None:
        if "_popup" in request.POST:
            return
        message, level = count_message(visit)
        self.message_user(request, message, level)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        if object_id and str(object_id).isdigit():
            visit = scope_queryset(request.user, Visit.objects.filter(pk=object_id)).only("pk", "status").first()
            if visit is not None and self.has_void_permission(request, visit):
                extra_context["void_url"] = reverse("admin:visits_visit_void", args=[visit.pk])
                extra_context["void_label"] = gettext("Void with reason")
        return super().change_view(request, object_id, form_url, extra_context)
