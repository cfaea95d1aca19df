from django.contrib import admin
from rest_framework.authtoken.models import TokenProxy

from eldercare.core.admin import AuditEventAdmin, HistoryAdmin
from eldercare.core.models import AuditEvent

from .models import RoleAssignment
from .services import role_assignment_save


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


# API tokens are secrets: apps obtain them through the token endpoint, never from an admin page.
admin.site.unregister(TokenProxy)

# The audit log is a core model; it is registered here, once the scoped admin site exists (the site
# class lives in eldercare.core.admin, which must not register anything while it is being imported).
admin.site.register(AuditEvent, AuditEventAdmin)
