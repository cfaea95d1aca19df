from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from eldercare.core.admin import HistoryAdmin

from .models import Caregiver, Provider


class CaregiverInline(admin.TabularInline):
    model = Caregiver
    extra = 0
    fields = ["name", "employee_number", "phone", "is_active"]
    # Caregivers are referenced by visits: retire one with "active", never delete.
    can_delete = False
    show_change_link = True


@admin.register(Provider)
class ProviderAdmin(HistoryAdmin):
    list_display = [
        "name",
        "credit_code",
        "offers_home_visits",
        "does_bed_retrofit",
        "does_assessment_design",
        "does_acceptance",
        "contact_name",
        "contact_phone",
        "is_demo",
    ]
    list_filter = ["offers_home_visits", "does_bed_retrofit", "does_assessment_design", "does_acceptance", "is_demo"]
    search_fields = ["name", "=credit_code"]
    autocomplete_fields = ["areas"]
    inlines = [CaregiverInline]
    fieldsets = [
        (None, {"fields": ["name", "credit_code", "is_demo"]}),
        (
            _("Roles"),
            {"fields": ["offers_home_visits", "does_bed_retrofit", "does_assessment_design", "does_acceptance"]},
        ),
        (_("Pilot areas served"), {"fields": ["areas"]}),
        (_("Contact"), {"fields": ["contact_name", "contact_phone"]}),
    ]


@admin.register(Caregiver)
class CaregiverAdmin(HistoryAdmin):
    list_display = ["name", "employee_number", "provider", "phone", "is_active"]
    list_filter = ["is_active"]
    list_select_related = ["provider"]
    search_fields = ["name", "=employee_number", "provider__name"]
    autocomplete_fields = ["provider"]
