"""Shared admin pieces that need no scope and no domain: history without revert, no deletes, services
that report on the form, and the admin of core's own models (the audit log, the recount queue).

The admin is thin: a write that has a rule goes through the service that holds the rule, and a
`DomainError` (or a model `ValidationError`) the service raises shows on the form, against the
field it names, in the active language. The scoped site and its filters, which know roles and
areas, are `eldercare.accounts.site`; domain apps import their admin pieces from there.
"""

from collections.abc import Callable, Mapping
from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, PermissionDenied, ValidationError
from django.db import router, transaction
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .errors import DomainError
from .selectors import recount_queue_status


def add_error_to_form(form: forms.BaseForm, error: DomainError | ValidationError, field_map: Mapping | None = None):
    """Put a service error on `form`: on the named field when the form has it, else above the form.

    `field_map` renames a service's field to the form's (say `status` to `to_status`).
    """
    field_map = field_map or {}
    if isinstance(error, DomainError):
        error = error.as_validation_error()
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        target = field_map.get(name, name)
        if target in form.fields:
            form.add_error(target, errors)
        elif name == NON_FIELD_ERRORS:
            form.add_error(None, errors)
        else:
            # A field the form does not show: name it, so the message still makes sense.
            label = _field_label(form, name)
            for message in ValidationError(errors).messages:
                form.add_error(None, f"{label}: {message}" if label else message)


def _field_label(form: forms.BaseForm, name: str) -> str:
    model = getattr(getattr(form, "_meta", None), "model", None)
    if model is not None:
        try:
            return str(model._meta.get_field(name).verbose_name)
        except FieldDoesNotExist:  # say `items` on a bed: the bare message reads well enough
            return ""
    return ""


def run_service(form: forms.BaseForm, service: Callable, *, field_map: Mapping | None = None, **kwargs) -> Any:
    """Call `service(**kwargs)` in a savepoint; on a broken rule, roll it back and report it on `form`.

    Returns the service's result, or None when it refused (the form then has errors).
    """
    try:
        with transaction.atomic():
            return service(**kwargs)
    except (DomainError, ValidationError) as error:
        add_error_to_form(form, error, field_map)
        return None


class ServiceModelForm(forms.ModelForm):
    """A model form whose write is a service call, made once the form's own checks pass.

    Subclasses implement `call_service()`, which calls the service through `run_service` and
    returns the saved object (or None). The admin that uses this form must mix in
    `ServiceAdminMixin`, which sets `acting_user` and does not save the object a second time.
    """

    acting_user = None
    saved_by_service = False

    def call_service(self):  # pragma: no cover - abstract
        raise NotImplementedError

    def _post_clean(self):
        super()._post_clean()  # builds the instance and runs the model's own validation
        if self.errors:
            return
        saved = self.call_service()
        if saved is not None and not self.errors:
            self.instance = saved
            self.saved_by_service = True

    def save(self, commit=True):
        if not self.saved_by_service:
            raise ValueError("The service refused the change; there is nothing to save.")
        self.save_m2m = lambda: None  # the service has set the many-to-many fields already
        return self.instance


class ServiceAdminMixin:
    """For a ModelAdmin whose form is a `ServiceModelForm`.

    A POST that does not reach `save_model` re-displays the form with errors: everything written
    during it is rolled back, so a service that succeeded before an inline failed leaves nothing.
    """

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"acting_user": request.user})

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method in ("GET", "HEAD", "OPTIONS", "TRACE"):
            return super().changeform_view(request, object_id, form_url, extra_context)
        with transaction.atomic(using=router.db_for_write(self.model)):
            response = self._changeform_view(request, object_id, form_url, extra_context)
            if not getattr(request, "_eldercare_form_saved", False):
                transaction.set_rollback(True)
        return response

    def save_model(self, request, obj, form, change):
        # Reached only when the form and every inline are valid (a popup's answer is no redirect).
        request._eldercare_form_saved = True
        if getattr(form, "saved_by_service", False):
            return
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        if getattr(form, "saved_by_service", False):
            for formset in formsets:
                self.save_formset(request, form, formset, change=change)
            return
        super().save_related(request, form, formsets, change)


class NoDeleteMixin:
    """Evidence is never deleted (the delete view answers 403 and the bulk action is gone)."""

    def has_delete_permission(self, request, obj=None):
        return False


class NoDeleteInlineMixin(NoDeleteMixin):
    can_delete = False


class HistoryAdmin(SimpleHistoryAdmin):
    """Shows every change (who, when, what) but never reverts: a revert would bypass the services."""

    def revert_disabled(self, request, obj=None):
        return True

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


# --- The audit log: read-only for everyone, superusers included ------------------------------------


class AuditObjectTypeFilter(admin.SimpleListFilter):
    """The kinds of record the log writes about (a fixed list: no DISTINCT over millions of rows)."""

    title = _("object type")
    parameter_name = "object_type"

    def lookups(self, request, model_admin):
        from django.apps import apps

        from .audit import AUDITED_MODELS

        choices = []
        for label in sorted(AUDITED_MODELS):
            try:
                model = apps.get_model(label)
            except LookupError:
                continue
            choices.append((label, model._meta.verbose_name))
        return choices

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(object_type=self.value())
        return queryset


class AuditEventAdmin(admin.ModelAdmin):
    """The audit log (审计日志): searched and filtered, never added to, changed or deleted here."""

    list_display = ["occurred_at", "username", "action", "object_type", "object_repr", "ip_address", "reason"]
    list_filter = ["action", AuditObjectTypeFilter]
    search_fields = ["username", "=object_id", "object_repr", "=ip_address", "reason"]
    date_hierarchy = "occurred_at"
    show_full_result_count = False
    actions = None
    fields = [
        "occurred_at",
        "user",
        "username",
        "action",
        "object_type",
        "object_id",
        "object_repr",
        "ip_address",
        "reason",
        "details",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- The recount queue: read-only, for watching the roll-ups catch up ------------------------------


def recount_queue_summary(status) -> str:
    """The queue's depth and the age of its oldest row (the same words as `verify_rollups`)."""
    if not status.depth:
        return gettext("No recounts pending.")
    return ngettext(
        "%(depth)d recount pending, oldest %(age)d s.", "%(depth)d recounts pending, oldest %(age)d s.", status.depth
    ) % {
        "depth": status.depth,
        "age": round(status.oldest_age_seconds or 0),
    }


class RecountRequestAdmin(admin.ModelAdmin):
    """Pending recounts (待重算): written by the services, deleted by the drain; nobody edits them here."""

    list_display = ["id", "recipient_id", "area_id", "verify_from", "reason", "enqueued_at"]
    ordering = ["id"]
    actions = None
    # The summary line above the list already counts the rows; no second count for the paginator.
    show_full_result_count = False
    change_list_template = "admin/core/recountrequest/change_list.html"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        context = {"queue_summary": recount_queue_summary(recount_queue_status()), **(extra_context or {})}
        return super().changelist_view(request, context)
