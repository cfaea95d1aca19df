from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from eldercare.core.admin import AuditEventAdmin, HistoryAdmin
from eldercare.core.models import AuditEvent

from .models import ApiToken, RoleAssignment
from .services import role_assignment_save
from .tokens import is_expired, latest_expiry, tokens_revoke


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(HistoryAdmin):
    """Roles are given by system administrators; every change is in the history and the audit log."""

    list_display = ["user", "role", "province", "area", "provider", "caregiver"]
    list_filter = ["role"]
    list_select_related = ["user", "province", "area__region", "area__batch", "provider", "caregiver__provider"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "provider__name", "=area__region__code"]
    autocomplete_fields = ["user", "province", "area", "provider", "caregiver"]

    def save_model(self, request, obj, form, change):
        # Through the service, which keeps the user's staff and superuser flags in step with the role.
        # The form has validated the assignment and its constraints already.
        role_assignment_save(assignment=obj, acting_user=request.user)


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
# class lives in eldercare.core.admin, which must not register anything while it is being imported).
admin.site.register(AuditEvent, AuditEventAdmin)
