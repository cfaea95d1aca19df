"""Fee confirmation in the admin (服务费用确认): sheets per provider and month, their lines with the
decide actions, and the confirm page. Every write goes through `fees.services`.

Officials in scope (district, provincial, national) prepare, decide and confirm; provider staff and
auditors read the sheets of their scope. The forms of the records themselves stay read-only.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Q
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from eldercare.accounts.scoping import can_read, scope_of
from eldercare.accounts.site import NoDeleteMixin, PilotAreaListFilter, ServiceAdminMixin, run_service
from eldercare.core.errors import DomainError
from eldercare.visits.admin.common import OFFICIAL_ROLES, action_page, ids_within

from . import services
from .forms import ConfirmSheetForm, PrepareSheetForm, VoidLinesForm
from .models import FeeSheet, FeeSheetLine, LineDecision, SheetState

# Lines decided in one action: a month of a large provider, with room to spare.
DECIDE_LIMIT = 20_000
LINE_FIELDS = ["visit", "service_date", "recipient", "caregiver", "decision", "void_reason", "note", "decided_at"]


def may_decide(request, sheet: FeeSheet | None = None) -> bool:
    """Fee confirmation is the payer's: officials who write, within their scope (never the provider)."""
    scope = scope_of(request.user)
    if not (scope.can_write and scope.role in OFFICIAL_ROLES):
        return False
    return sheet is None or can_read(request.user, sheet)


@admin.register(FeeSheet)
class FeeSheetAdmin(ServiceAdminMixin, NoDeleteMixin, admin.ModelAdmin):
    form = PrepareSheetForm
    list_display = ["month_label", "provider", "area", "state", "pending", "confirmed", "voided", "unit_fee"]
    list_filter = ["state", PilotAreaListFilter, "provider"]
    list_select_related = ["provider", "area__region", "area__batch"]
    search_fields = ["provider__name", "=provider__credit_code"]
    date_hierarchy = "month"
    # The lines are listed (paged, filtered, with the decide actions) on the lines' own page: a month of
    # a large provider is thousands of visits, too many for one form.
    fields = [
        "provider",
        "area",
        "month",
        "state",
        "unit_fee",
        "pending",
        "confirmed",
        "voided",
        "created_by",
        "confirmed_at",
        "confirmed_by",
        "next",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        counts = {
            name: Count("lines", filter=Q(lines__decision=decision))
            for name, decision in (
                ("n_pending", LineDecision.PENDING),
                ("n_confirmed", LineDecision.CONFIRMED),
                ("n_voided", LineDecision.VOIDED),
            )
        }
        return super().get_queryset(request).annotate(**counts)

    @admin.display(description=_("month"), ordering="month")
    def month_label(self, sheet):
        return f"{sheet.month:%Y-%m}"

    @admin.display(description=_("pending"))
    def pending(self, sheet):
        return sheet.n_pending

    @admin.display(description=_("confirmed"))
    def confirmed(self, sheet):
        return sheet.n_confirmed

    @admin.display(description=_("voided"))
    def voided(self, sheet):
        return sheet.n_voided

    @admin.display(description=_("next steps"))
    def next(self, sheet):
        lines = reverse("admin:fees_feesheetline_changelist") + f"?sheet__id__exact={sheet.pk}"
        links = [format_html('<a class="button" href="{}">{}</a>', lines, gettext("Decide the lines"))]
        viewer = getattr(sheet, "_viewer", None)
        if sheet.state == SheetState.DRAFT and viewer is not None and may_decide(viewer, sheet):
            confirm = reverse("admin:fees_feesheet_confirm", args=[sheet.pk])
            links.append(format_html('<a class="button" href="{}">{}</a>', confirm, gettext("Confirm the sheet")))
        return format_html(" ".join(["{}"] * len(links)), *links)

    def get_object(self, request, object_id, from_field=None):
        sheet = super().get_object(request, object_id, from_field)
        if sheet is not None:
            sheet._viewer = request  # for `next`: the buttons this user has
        return sheet

    def has_change_permission(self, request, obj=None):
        return False

    def get_fields(self, request, obj=None):
        return ["provider", "area", "month", "unit_fee"] if obj is None else self.fields

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def response_add(self, request, obj, post_url_continue=None):
        self.message_user(
            request, gettext("The fee sheet lists %(count)d visits.") % {"count": obj.lines.count()}, messages.SUCCESS
        )
        return HttpResponseRedirect(reverse("admin:fees_feesheet_change", args=[obj.pk]))

    def get_urls(self):
        confirm = path("<int:pk>/confirm/", self.admin_site.admin_view(self.confirm_view), name="fees_feesheet_confirm")
        return [confirm, *super().get_urls()]

    def confirm_view(self, request, pk: int):
        """Confirm the sheet through `fee_sheet_confirm`: one transaction, refused while a line is undecided."""
        sheet = get_object_or_404(self.get_queryset(request), pk=pk)
        if not may_decide(request, sheet):
            raise PermissionDenied
        form = ConfirmSheetForm(request.POST if "apply" in request.POST else None)
        confirmed = (
            form.is_bound
            and form.is_valid()
            and run_service(form, services.fee_sheet_confirm, sheet=sheet, user=request.user)
        )
        if confirmed:
            self.message_user(request, gettext("The fee sheet is confirmed."), messages.SUCCESS)
            return HttpResponseRedirect(reverse("admin:fees_feesheet_change", args=[sheet.pk]))
        return action_page(
            self,
            request,
            queryset=FeeSheet.objects.filter(pk=sheet.pk),
            form=form,
            title=gettext("Confirm the fee sheet"),
            intro=gettext(
                "Confirming locks every confirmed visit (only voiding remains) and voids every voided one "
                "with its reason. It cannot be undone."
            ),
            submit_label=gettext("Confirm"),
            original=sheet,
        )


@admin.register(FeeSheetLine)
class FeeSheetLineAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ["visit", "service_date", "recipient", "caregiver", "decision", "void_reason", "note", "sheet"]
    list_filter = ["decision", "void_reason", "sheet"]
    list_select_related = ["visit__recipient", "visit__caregiver", "sheet__provider"]
    search_fields = ["visit__recipient__name"]
    fields = ["sheet", *LINE_FIELDS, "decided_by"]
    readonly_fields = fields
    actions = ["confirm_lines", "void_lines", "reset_lines"]

    @admin.display(description=_("service date"), ordering="visit__service_date")
    def service_date(self, line):
        return line.visit.service_date

    @admin.display(description=_("recipient"))
    def recipient(self, line):
        return line.visit.recipient.name

    @admin.display(description=_("caregiver"))
    def caregiver(self, line):
        return line.visit.caregiver.name

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_decide_permission(self, request) -> bool:
        return may_decide(request)

    def _decide(self, request, queryset, decision: str, reason: str = "", note: str = "") -> None:
        ids = ids_within(request, self.get_queryset(request).filter(pk__in=queryset.values("pk")), DECIDE_LIMIT)
        if ids is None:
            return
        try:
            with transaction.atomic():
                done = services.fee_lines_decide(
                    line_ids=ids, decision=decision, reason=reason, note=note, user=request.user
                )
        except DomainError as error:
            self.message_user(request, error.message, messages.ERROR)
            return
        self.message_user(
            request,
            ngettext("%(count)d line decided.", "%(count)d lines decided.", done) % {"count": done},
            messages.SUCCESS if done else messages.INFO,
        )

    @admin.action(description=_("Confirm the fee of the selected visits (确认)"), permissions=["decide"])
    def confirm_lines(self, request, queryset):
        self._decide(request, queryset, LineDecision.CONFIRMED)

    @admin.action(description=_("Void the selected visits with a reason (作废)"), permissions=["decide"])
    def void_lines(self, request, queryset):
        form = VoidLinesForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            self._decide(request, queryset, LineDecision.VOIDED, form.cleaned_data["reason"], form.cleaned_data["note"])
            return None
        return action_page(
            self,
            request,
            queryset=queryset.select_related("visit__recipient"),
            form=form,
            title=gettext("Void with a reason"),
            intro=gettext("The visits are voided with this reason when the sheet is confirmed."),
            submit_label=gettext("Void"),
            action="void_lines",
        )

    @admin.action(description=_("Set the selected lines back to pending"), permissions=["decide"])
    def reset_lines(self, request, queryset):
        self._decide(request, queryset, LineDecision.PENDING)
