from django import forms
from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from eldercare.core.admin import AuditEventAdmin, HistoryAdmin
from eldercare.core.input_policy import CHANGE_REASON_MAX_LENGTH
from eldercare.core.models import AuditEvent

from .models import ApiToken, RoleAssignment
from .services import change_reason, role_assignment_delete, role_assignment_save
from .tokens import is_expired, latest_expiry, tokens_revoke

REASON_HELP = _("Why the role or its scope changes (e.g. the appointment letter); kept in the audit log.")


class RoleAssignmentForm(forms.ModelForm):
    reason = forms.CharField(
        label=_("Reason for the change"), max_length=CHANGE_REASON_MAX_LENGTH, required=True, help_text=REASON_HELP
    )

    class Meta:
        model = RoleAssignment
        fields = ["user", "role", "province", "area", "township", "provider", "caregiver"]


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(HistoryAdmin):
    """Roles are given by system administrators; every change, with its reason, is in the history and the
    audit log. Taking a role away asks for the reason on the delete page (no bulk delete)."""

    form = RoleAssignmentForm
    delete_confirmation_template = "admin/accounts/roleassignment/delete_confirmation.html"

    list_display = ["user", "role", "province", "area", "township", "provider", "caregiver"]
    list_filter = ["role"]
    list_select_related = [
        "user",
        "province",
        "area__region",
        "area__batch",
        "township",
        "provider",
        "caregiver__provider",
    ]
    search_fields = ["user__username", "user__first_name", "user__last_name", "provider__name", "=area__region__code"]
    autocomplete_fields = ["user", "province", "area", "township", "provider", "caregiver"]

    def save_model(self, request, obj, form, change):
        # Through the service, which keeps the user's staff and superuser flags in step with the role.
        # The form has validated the assignment and its constraints already.
        role_assignment_save(assignment=obj, acting_user=request.user, reason=form.cleaned_data["reason"])

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # one at a time, each with its reason
        return actions

    def delete_view(self, request, object_id, extra_context=None):
        if request.method == "POST" and request.POST.get("post") and not change_reason(request.POST.get("reason")):
            messages.error(request, gettext("Give the reason for this role change."))
            return HttpResponseRedirect(request.get_full_path())
        extra_context = {**(extra_context or {}), "reason_help": REASON_HELP, "reason_max": CHANGE_REASON_MAX_LENGTH}
        return super().delete_view(request, object_id, extra_context)

    def delete_model(self, request, obj):
        role_assignment_delete(assignment=obj, acting_user=request.user, reason=request.POST.get("reason", ""))


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """System administrators see who holds API tokens and revoke them; nobody creates or reads one here.

    Tokens are obtained at the token endpoint and stored as digests only. Deleting one here (or
    several, with the list's delete action) revokes it through `tokens_revoke`, which writes the
    audit event.
    """

    list_display = ["short_digest", "user", "created", "expiry", "expires_at_latest", "state"]
    list_select_related = ["user"]
    search_fields = ["user__username"]
    list_filter = ["created"]
    ordering = ["-created"]
    fields = ["short_digest", "user", "created", "expiry", "expires_at_latest", "state"]
    readonly_fields = fields

    @admin.display(description=_("token"))
    def short_digest(self, token: ApiToken) -> str:
        return f"{token.digest[:12]}…"

    @admin.display(description=_("expires at the latest"))
    def expires_at_latest(self, token: ApiToken):
        return latest_expiry(token)

    @admin.display(description=_("state"))
    def state(self, token: ApiToken) -> str:
        label = gettext("expired") if is_expired(token) else gettext("valid")
        return format_html("{}", label)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def delete_model(self, request, obj):
        reason = gettext("Revoked by a system administrator.")
        tokens_revoke(tokens=[obj], acting_user=request.user, request=request, reason=reason)

    def delete_queryset(self, request, queryset):
        tokens_revoke(
            tokens=list(queryset.select_related("user")),
            acting_user=request.user,
            request=request,
            reason=gettext("Revoked by a system administrator."),
        )


# The audit log is a core model; it is registered here, once the scoped admin site exists (the site
# class lives in eldercare.accounts.site, which must not register anything while it is being imported).
admin.site.register(AuditEvent, AuditEventAdmin)
