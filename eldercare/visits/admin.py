import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.timesince import timesince
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from eldercare.accounts.models import Role
from eldercare.accounts.scoping import scope_of, scope_queryset
from eldercare.core.admin import (
    HistoryAdmin,
    NoDeleteMixin,
    PilotAreaListFilter,
    ServiceAdminMixin,
    ServiceModelForm,
    run_service,
)
from eldercare.core.errors import DomainError
from eldercare.providers.models import Provider

from . import services
from .forms import ReviewDecisionForm, VoidVisitsForm
from .models import (
    ExceptionStatus,
    ReviewReasonCode,
    ServiceCategory,
    ServiceItem,
    Visit,
    VisitException,
    VisitStatus,
)
from .verification import count_decision

FILE_FIELDS = {"photo_start", "photo_end"}

# Shown on the change page of a visit, computed from verification.
VERIFICATION_FIELDS = ["counts_toward_30", "locked", "exception_list"]

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


# --- Intermediate pages and permissions shared by the review queue and the visit actions -----------

# Rows one admin action handles in a request; each is a service call with a few queries of its own,
# so a larger selection is refused with a message asking for a narrower filter.
RESOLVE_LIMIT = 2000
VOID_LIMIT = 500
# One UPDATE and one bulk history insert however many rows; the cap keeps the id list of the
# `IN (...)` under SQLite's limit of bound parameters.
FEE_CONFIRM_LIMIT = 10_000
# Objects named on an intermediate page; the rest are counted.
ACTION_PREVIEW = 20
OFFICIAL_ROLES = (Role.ADMIN, Role.NATIONAL_OFFICIAL, Role.PROVINCIAL_OFFICIAL, Role.DISTRICT_OFFICIAL)


def _writes_in_scope(request) -> bool:
    return scope_of(request.user).can_write


def _ids_within(request, queryset, limit: int) -> list[int] | None:
    """The selected rows' ids, or None (with a message) when the selection is larger than `limit`."""
    ids = list(queryset.order_by("pk").values_list("pk", flat=True)[: limit + 1])
    if len(ids) > limit:
        messages.error(
            request,
            gettext("More than %(limit)d rows are selected: narrow the filter and run the action again.")
            % {"limit": limit},
        )
        return None
    return ids


def action_page(
    model_admin, request, *, queryset, form, title, intro, submit_label, describe=str, action=None, original=None
):
    """The intermediate page of an action (or of one object's button): the objects, the form, the hidden selection."""
    opts = model_admin.model._meta
    shown = [describe(obj) for obj in queryset[:ACTION_PREVIEW]]
    total = len(shown) if len(shown) < ACTION_PREVIEW else queryset.count()
    more = ""
    if total > len(shown):
        more = gettext("… and %(count)d more.") % {"count": total - len(shown)}
    if original is not None:
        cancel_url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[original.pk])
    else:
        cancel_url = request.get_full_path()
    context = {
        **model_admin.admin_site.each_context(request),
        "title": title,
        "opts": opts,
        "original": original,
        "intro": intro,
        "shown": shown,
        "more": more,
        "form": form,
        "media": model_admin.media + form.media,
        "submit_label": submit_label,
        "cancel_url": cancel_url,
        "action": action,
        "select_across": request.POST.get("select_across") == "1",
        "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
    }
    request.current_app = model_admin.admin_site.name
    return TemplateResponse(request, "admin/visits/action_form.html", context)


def count_decision_html(visit: Visit) -> str:
    decision = count_decision(visit)
    if decision.counts:
        return gettext("Yes")
    return format_html(
        "{}<ul>{}</ul>", gettext("No:"), format_html_join("", "<li>{}</li>", ((reason,) for reason in decision.reasons))
    )


# --- The review queue ---------------------------------------------------------------------------------


class ExceptionStatusFilter(admin.SimpleListFilter):
    """Status, showing the open exceptions (the queue) unless another status or "all" is chosen."""

    title = _("status")
    parameter_name = "status"
    ALL = "all"

    def lookups(self, request, model_admin):
        return [*ExceptionStatus.choices, (self.ALL, _("All"))]

    def _chosen(self) -> str:
        return self.value() or ExceptionStatus.OPEN

    def queryset(self, request, queryset):
        if self._chosen() == self.ALL:
            return queryset
        return queryset.filter(status=self._chosen())

    def choices(self, changelist):
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self._chosen() == str(lookup),
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }


class ExceptionAgeFilter(admin.SimpleListFilter):
    title = _("age")
    parameter_name = "age"

    def lookups(self, request, model_admin):
        return [
            ("lt7", _("less than 7 days")),
            ("7-30", _("7 to 30 days")),
            ("gt30", _("more than 30 days")),
        ]

    def queryset(self, request, queryset):
        now = timezone.now()
        week, month = now - dt.timedelta(days=7), now - dt.timedelta(days=30)
        if self.value() == "lt7":
            return queryset.filter(created_at__gt=week)
        if self.value() == "7-30":
            return queryset.filter(created_at__lte=week, created_at__gt=month)
        if self.value() == "gt30":
            return queryset.filter(created_at__lte=month)
        return queryset


class ProviderListFilter(admin.SimpleListFilter):
    """Filter by provider, offering only the home-visit providers the user may see."""

    title = _("provider")
    parameter_name = "provider"

    def lookups(self, request, model_admin):
        providers = scope_queryset(request.user, Provider.objects.filter(offers_home_visits=True)).order_by("name")
        return [(str(pk), name) for pk, name in providers.values_list("pk", "name")]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(provider_id=self.value())
        return queryset


@admin.register(VisitException)
class VisitExceptionAdmin(NoDeleteMixin, HistoryAdmin):
    """The review queue (异常审核): exceptions are resolved only through the actions, never edited by hand."""

    list_display = [
        "visit_link",
        "recipient_name",
        "caregiver_name",
        "provider",
        "area",
        "type",
        "severity",
        "status",
        "detail",
        "age",
    ]
    list_filter = [
        PilotAreaListFilter,
        ProviderListFilter,
        "type",
        "severity",
        ExceptionStatusFilter,
        ExceptionAgeFilter,
    ]
    list_select_related = [
        "visit__recipient",
        "visit__caregiver",
        "visit__category",
        "provider",
        "area__region",
        "area__batch",
    ]
    search_fields = ["visit__recipient__name"]
    search_help_text = _("A recipient's name, or a visit number such as 123 or #123.")
    actions = ["accept_exceptions", "void_exceptions"]
    show_full_result_count = False
    fieldsets = [
        (None, {"fields": ["visit_link", "type", "severity", "status", "detail", "area", "provider", "created_at"]}),
        (_("Does the visit count toward the 30?"), {"fields": ["counts_toward_30"]}),
        (_("Resolution"), {"fields": ["reason_code", "resolution_note", "resolved_at", "resolved_by"]}),
    ]
    readonly_fields = [
        "visit_link",
        "type",
        "severity",
        "status",
        "detail",
        "area",
        "provider",
        "created_at",
        "counts_toward_30",
        "reason_code",
        "resolution_note",
        "resolved_at",
        "resolved_by",
    ]

    def has_add_permission(self, request):
        return False  # raised only by verification

    def has_change_permission(self, request, obj=None):
        return False  # resolved only through accept / void, which keep who, when and why

    def has_review_permission(self, request) -> bool:
        return super().has_change_permission(request) and _writes_in_scope(request)

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip().removeprefix("#")
        if term.isdigit():
            return queryset.filter(visit_id=int(term)), False
        return super().get_search_results(request, queryset, search_term)

    @admin.display(description=_("visit"), ordering="visit")
    def visit_link(self, exception: VisitException) -> str:
        url = reverse("admin:visits_visit_change", args=[exception.visit_id])
        return format_html('<a href="{}">#{}</a>', url, exception.visit_id)

    @admin.display(description=_("recipient"))
    def recipient_name(self, exception: VisitException) -> str:
        return exception.visit.recipient.name

    @admin.display(description=_("caregiver"))
    def caregiver_name(self, exception: VisitException) -> str:
        return exception.visit.caregiver.name

    @admin.display(description=_("age"), ordering="created_at")
    def age(self, exception: VisitException) -> str:
        return timesince(exception.created_at, depth=1)

    @admin.display(description=_("counts toward the 30?"))
    def counts_toward_30(self, exception: VisitException) -> str:
        return count_decision_html(exception.visit)

    @admin.action(description=_("Accept the selected exceptions with a reason code"), permissions=["review"])
    def accept_exceptions(self, request, queryset):
        return self._review(request, queryset, ReviewReasonCode.Decision.ACCEPT)

    @admin.action(
        description=_("Void the visits of the selected exceptions with a reason code"), permissions=["review"]
    )
    def void_exceptions(self, request, queryset):
        return self._review(request, queryset, ReviewReasonCode.Decision.VOID)

    def _review(self, request, queryset, decision: str):
        queryset = scope_queryset(request.user, queryset)
        ids = _ids_within(request, queryset, RESOLVE_LIMIT)
        if ids is None:
            return None
        if "apply" in request.POST:
            form = ReviewDecisionForm(request.POST, decision=decision)
            if form.is_valid():
                result = run_service(
                    form,
                    services.exceptions_resolve,
                    exception_ids=ids,
                    decision=decision,
                    reason_code=form.cleaned_data["reason_code"],
                    note=form.cleaned_data["note"],
                    acting_user=request.user,
                )
                if result is not None:
                    self._report(request, result)
                    return None
        else:
            form = ReviewDecisionForm(decision=decision)
        accept = decision == ReviewReasonCode.Decision.ACCEPT
        return action_page(
            self,
            request,
            queryset=queryset.select_related("visit__recipient"),
            describe=lambda e: f"#{e.visit_id} · {e.visit.recipient.name} · {e.get_type_display()} · {e.detail}",
            form=form,
            title=gettext("Accept exceptions") if accept else gettext("Void the visits of exceptions"),
            intro=gettext(
                "Accepted warnings let their visits count; a blocking exception is acknowledged and its visit "
                "still does not count."
            )
            if accept
            else gettext("The visits of these exceptions are voided with the reason code's label and the note."),
            submit_label=gettext("Accept") if accept else gettext("Void"),
            action="accept_exceptions" if accept else "void_exceptions",
        )

    def _report(self, request, result: services.ReviewResult) -> None:
        self.message_user(
            request,
            ngettext("%(count)d exception resolved.", "%(count)d exceptions resolved.", result.resolved)
            % {"count": result.resolved},
            messages.SUCCESS if result.resolved else messages.INFO,
        )
        if result.refused:
            self.message_user(
                request,
                gettext("Not resolved: %(list)s") % {"list": "; ".join(result.refused)},
                messages.WARNING,
            )


@admin.register(ReviewReasonCode)
class ReviewReasonCodeAdmin(admin.ModelAdmin):
    """Reason codes are data kept by administrators; a code once used keeps its meaning and stays."""

    list_display = ["code", "label", "decision", "is_active"]
    list_filter = ["decision", "is_active"]
    search_fields = ["code", "label"]

    @staticmethod
    def _is_administrator(request) -> bool:
        return scope_of(request.user).role == Role.ADMIN

    @staticmethod
    def _is_used(code: ReviewReasonCode) -> bool:
        return VisitException.objects.filter(reason_code=code).exists()

    def has_add_permission(self, request):
        return self._is_administrator(request) and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return self._is_administrator(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and self._is_used(obj):
            return False
        return self._is_administrator(request) and super().has_delete_permission(request, obj)

    def get_readonly_fields(self, request, obj=None):
        # A used code's identity and decision are part of past resolutions; its label may be reworded.
        if obj is not None and self._is_used(obj):
            return ["code", "decision"]
        return []


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
                (_("Verification"), {"fields": VERIFICATION_FIELDS}),
                (_("Change"), {"fields": ["change_reason"]}),
                (_("Record"), {"fields": RECORD_FIELDS}),
            ]
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

    @admin.display(description=_("counts toward the 30?"))
    def counts_toward_30(self, visit: Visit) -> str:
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
                    exception.reason_code or "",
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
        return _writes_in_scope(request) and super().has_change_permission(request)

    @admin.action(description=_("Confirm fees (费用确认): lock the selected visits"), permissions=["confirm_fees"])
    def confirm_fees(self, request, queryset):
        ids = _ids_within(request, scope_queryset(request.user, queryset), FEE_CONFIRM_LIMIT)
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
        ids = _ids_within(request, queryset, VOID_LIMIT)
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

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        if object_id and str(object_id).isdigit():
            visit = scope_queryset(request.user, Visit.objects.filter(pk=object_id)).only("pk", "status").first()
            if visit is not None and self.has_void_permission(request, visit):
                extra_context["void_url"] = reverse("admin:visits_visit_void", args=[visit.pk])
                extra_context["void_label"] = gettext("Void with reason")
        return super().change_view(request, object_id, form_url, extra_context)
