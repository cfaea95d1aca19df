from django.contrib import admin
from rest_framework.authtoken.models import TokenProxy

from eldercare.core.admin import HistoryAdmin

from .models import RoleAssignment


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(HistoryAdmin):
    list_display = ["user", "role", "province", "area", "provider", "caregiver"]
    list_filter = ["role"]
    list_select_related = ["user", "province", "area__region", "area__batch", "provider", "caregiver__provider"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "provider__name", "=area__region__code"]
    autocomplete_fields = ["user", "province", "area", "provider", "caregiver"]


# API tokens are secrets: apps obtain them through the token endpoint, never from an admin page.
admin.site.unregister(TokenProxy)
