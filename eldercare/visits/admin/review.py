"""The review queue (异常审核): warnings and blocking exceptions apart, resolved only through actions.

A warning marks something possible but suspicious: accepted with a reason code, its visit counts.
A blocking exception mirrors a counting rule no reviewer may waive: it clears when the data change,
or is acknowledged (kept, not counted), or its visit is voided. The queue opens on the warnings and
shows the blocking ones under their own tab, each with how many are open.
"""

import datetime as dt

from django.contrib import admin, messages
from django.db.models import Count, Prefetch
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from eldercare.accounts.models import Role
from eldercare.accounts.scoping import scope_of, scope_queryset
from eldercare.accounts.site import HistoryAdmin, NoDeleteMixin, PilotAreaListFilter, run_service
from eldercare.providers.models import Provider

from .. import services
from ..forms import ReviewDecisionForm
from ..models import ExceptionStatus, ReviewReasonCode, Severity, VisitException, VisitPhoto
from ..photo_apis import visit_photo_path
from .common import RESOLVE_LIMIT, action_page, count_decision_html, ids_within, writes_in_scope
from .photos import thumbnail_html

# Thumbnails in the queue: small, so a page of a hundred rows stays readable (and loads lazily).
QUEUE_THUMBNAIL_PX = 40


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


class SeverityFilter(admin.SimpleListFilter):
    """Warnings or blocking exceptions; the page opens on the warnings, the decisions a reviewer makes.

    Only a page shown opens on the warnings: an action posted without a choice applies to the rows
    selected, whatever their severity (they were selected on the page shown).
    """

    title = _("severity")
    parameter_name = "severity"
    ALL = "all"

    def lookups(self, request, model_admin):
        return [(Severity.WARNING, _("Warnings")), (Severity.BLOCKING, _("Blocking")), (self.ALL, _("All"))]

    def chosen(self, request) -> str:
        return self.value() or (Severity.WARNING if request.method == "GET" else self.ALL)

    def queryset(self, request, queryset):
        chosen = self.chosen(request)
        return queryset if chosen == self.ALL else queryset.filter(severity=chosen)

    def choices(self, changelist):
        chosen = self.value() or Severity.WARNING
        for lookup, title in self.lookup_choices:
            yield {
                "selected": chosen == str(lookup),
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }


class EnteredAgoFilter(admin.SimpleListFilter):
    """How long ago the visit was entered: what a reviewer's deadline runs from."""

    title = _("entered")
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
            return queryset.filter(visit__created_at__gt=week)
        if self.value() == "7-30":
            return queryset.filter(visit__created_at__lte=week, visit__created_at__gt=month)
        if self.value() == "gt30":
            return queryset.filter(visit__created_at__lte=month)
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
    """The review queue: exceptions are resolved only through the actions, never edited by hand."""

    list_display = [
        "visit_link",
        "recipient_name",
        "caregiver_name",
        "type",
        "detail",
        "entered_ago",
        "where",
        # Last, so the sortable columns keep their numbers in saved links (?o=6 sorts by entry age).
        "photos",
    ]
    list_filter = [
        SeverityFilter,
        ExceptionStatusFilter,
        "type",
        PilotAreaListFilter,
        ProviderListFilter,
        EnteredAgoFilter,
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
        (None, {"fields": ["visit_link", "type", "severity", "status", "detail", "area", "provider", "entered_at"]}),
        (_("Does the visit count toward the person-time?"), {"fields": ["counts_toward_person_time"]}),
        (_("Resolution"), {"fields": ["reason", "resolution_note", "resolved_at", "resolved_by"]}),
    ]
    readonly_fields = [
        "visit_link",
        "type",
        "severity",
        "status",
        "detail",
        "area",
        "provider",
        "entered_at",
        "counts_toward_person_time",
        "reason",
        "resolution_note",
        "resolved_at",
        "resolved_by",
    ]

    class Media:
        css = {"all": ["visits/review_queue.css"]}

    def get_queryset(self, request):
        # The visit's photos in one query for the whole page, not one a row.
        photos = VisitPhoto.objects.only("id", "visit_id", "kind").order_by("-kind")
        return super().get_queryset(request).prefetch_related(Prefetch("visit__photos", queryset=photos))

    def has_add_permission(self, request):
        return False  # raised only by verification

    def has_change_permission(self, request, obj=None):
        return False  # resolved only through accept / void, which keep who, when and why

    def has_review_permission(self, request) -> bool:
        return super().has_change_permission(request) and writes_in_scope(request)

    def get_list_display(self, request):
        """The columns that say something for this user and tab, so the list fits a 1366 px screen."""
        columns = list(self.list_display)
        if request.GET.get(SeverityFilter.parameter_name) == SeverityFilter.ALL:
            columns.insert(columns.index("type"), "severity")
        if request.GET.get(ExceptionStatusFilter.parameter_name, ExceptionStatus.OPEN) != ExceptionStatus.OPEN:
            columns.insert(columns.index("entered_ago"), "status")
        scope = scope_of(request.user)
        if scope.area_id is not None or scope.provider_id is not None:
            columns.remove("where")  # one area, or one provider: the column would repeat itself
        return columns

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip().removeprefix("#")
        if term.isdigit():
            return queryset.filter(visit_id=int(term)), False
        return super().get_search_results(request, queryset, search_term)

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), **self._tabs(request)}
        return super().changelist_view(request, extra_context)

    def _tabs(self, request) -> dict:
        """The two tabs above the list, each with the number of open exceptions the user may see."""
        open_ones = scope_queryset(request.user, VisitException.objects.filter(status=ExceptionStatus.OPEN))
        counts = dict(open_ones.values_list("severity").annotate(n=Count("pk")).order_by())
        chosen = request.GET.get(SeverityFilter.parameter_name) or Severity.WARNING
        tabs = []
        for severity, label, hint in (
            (
                Severity.WARNING,
                gettext("Warnings to review"),
                gettext("Possible but suspicious: accepted with a reason code, the visit counts; or void the visit."),
            ),
            (
                Severity.BLOCKING,
                gettext("Blocking"),
                gettext(
                    "A counting rule no reviewer may waive: it clears by itself once the record is corrected; "
                    "it can be acknowledged (kept, not counted) or the visit voided."
                ),
            ),
        ):
            query = request.GET.copy()
            query[SeverityFilter.parameter_name] = severity
            for name in ("p", "e"):
                query.pop(name, None)
            tabs.append(
                {
                    "severity": severity,
                    "label": label,
                    "hint": hint,
                    "count": counts.get(severity, 0),
                    "url": f"?{query.urlencode()}",
                    "selected": chosen == severity,
                }
            )
        return {"queue_tabs": tabs, "queue_hint": next((tab["hint"] for tab in tabs if tab["selected"]), "")}

    @admin.display(description=_("visit"), ordering="visit")
    def visit_link(self, exception: VisitException) -> str:
        url = reverse("admin:visits_visit_change", args=[exception.visit_id])
        return format_html(
            '<a href="{}">#{}</a><br><span class="quiet">{}</span>',
            url,
            exception.visit_id,
            exception.visit.service_date.strftime("%Y-%m-%d"),
        )

    @admin.display(description=_("recipient"))
    def recipient_name(self, exception: VisitException) -> str:
        return exception.visit.recipient.name

    @admin.display(description=_("caregiver"))
    def caregiver_name(self, exception: VisitException) -> str:
        return exception.visit.caregiver.name

    @admin.display(description=_("photos"))
    def photos(self, exception: VisitException) -> str:
        """The start and end photos beside the visit: what the caregiver saw at the door."""
        shown = [
            thumbnail_html(
                visit_photo_path(photo.visit_id, photo.kind), photo.get_kind_display(), edge=QUEUE_THUMBNAIL_PX
            )
            for photo in exception.visit.photos.all()
        ]
        return format_html_join(" ", "{}", ((html,) for html in shown)) if shown else "—"

    @admin.display(description=_("entered"), ordering="visit__created_at")
    def entered_ago(self, exception: VisitException) -> str:
        """Whole days since the visit was entered (the batch's deadlines are in days)."""
        days = (timezone.now() - exception.visit.created_at).days
        if days < 1:
            return gettext("today")
        return ngettext("%(count)d day ago", "%(count)d days ago", days) % {"count": days}

    @admin.display(description=_("entered at"))
    def entered_at(self, exception: VisitException):
        return exception.visit.created_at

    @admin.display(description=_("provider and area"))
    def where(self, exception: VisitException) -> str:
        return format_html('{}<br><span class="quiet">{}</span>', exception.provider.name, exception.area)

    @admin.display(description=_("counts toward the person-time"))
    def counts_toward_person_time(self, exception: VisitException) -> str:
        return count_decision_html(exception.visit)

    @admin.display(description=_("reason code"))
    def reason(self, exception: VisitException) -> str:
        return exception.reason_code.label if exception.reason_code else ""

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
        ids = ids_within(request, queryset, RESOLVE_LIMIT)
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
        # Reviewers choose by what the code means; its identifier stays in the data and the API.
        form.fields["reason_code"].label_from_instance = lambda code: code.label
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

    list_display = ["label", "code", "decision", "is_active"]
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
