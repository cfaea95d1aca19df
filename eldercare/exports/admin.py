from django.contrib import admin

from .models import ExportJob


@admin.register(ExportJob)
class ExportJobAdmin(admin.ModelAdmin):
    """Exports are written by the export service only; the admin shows the record and its hashes."""

    list_display = ["id", "created_at", "requester", "kind", "format", "scope_label", "as_of", "status", "rows_written"]
    list_filter = ["kind", "format", "status"]
    search_fields = ["=id", "sha256", "file_sha256", "requester__username"]
    date_hierarchy = "created_at"
    readonly_fields = [field.name for field in ExportJob._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
