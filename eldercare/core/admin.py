"""Shared admin pieces: history without revert, no deletes, and services that report on the form.

The admin is thin: a write that has a rule goes through the service that holds the rule, and a
`DomainError` (or a model `ValidationError`) the service raises shows on the form, against the
field it names, in the active language.
"""

from collections.abc import Callable, Mapping
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, PermissionDenied, ValidationError
from django.db import router, transaction
from django.db.models import Q
from django.http import Http404
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from eldercare.accounts.scoping import scope_filter, scope_of, scope_queryset
from eldercare.areas.models import PilotArea, Region

from .admin_policy import InputPolicyAdminMixin, InputPolicyInlineMixin, guard_posts
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


class PilotAreaListFilter(admin.SimpleListFilter):
    """Filter by pilot area, listing areas with one query (an area's name needs its region and batch)."""

    title = _("pilot area")
    parameter_name = "area"
    field_path = "area"

    def lookups(self, request, model_admin):
        # Only the areas in the user's scope: a filter choice must not name an area one cannot see.
        areas = scope_queryset(request.user, PilotArea.objects.all())
        areas = areas.select_related("region", "batch").order_by("-batch__year", "region__code")
        return [(str(area.pk), str(area)) for area in areas]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(**{f"{self.field_path}_id": self.value()})
        return queryset


class ProvinceListFilter(admin.SimpleListFilter):
    """Filter by province, for models that reach a county or city region through `region_path`."""

    title = _("province")
    parameter_name = "province"
    region_path = "region"

    def lookups(self, request, model_admin):
        provinces = Region.objects.filter(level=Region.Level.PROVINCE).order_by("code")
        if scope_filter(scope_of(request.user), PilotArea) != Q():
            # Only the provinces of the areas in the user's scope.
            codes = scope_queryset(request.user, PilotArea.objects.all()).values_list("region__code", flat=True)
            provinces = provinces.filter(code__in={f"{code[:2]}0000" for code in codes})
        return [(p.code, str(p)) for p in provinces]

    def queryset(self, request, queryset):
        if self.value():
            # A county's or a city's code starts with its province's two digits.
            return queryset.filter(**{f"{self.region_path}__code__startswith": self.value()[:2]})
        return queryset


# --- Scope and personal data: every admin page, inline, filter and choice (accounts.scoping) -------
#
# `EldercareAdminSite.register` puts `ScopedAdminMixin` in front of every ModelAdmin (and each admin's
# inlines get `ScopedInlineMixin`), so an admin written tomorrow is scoped without remembering to be.
# Model-level rights come from the role (accounts.backends.RolePermissionBackend); these mixins add
# the object level: rows outside the scope are absent (404), and personal numbers are masked.

MASKED_PREFIX = "masked__"  # a masked value in a list
REVEAL_PREFIX = "personal__"  # a masked value on a change page, with a link to reveal it


def _cached(request, kind: str, obj, check: Callable) -> bool:
    cache = request.__dict__.setdefault("_eldercare_scope_checks", {})
    key = (kind, obj._meta.label_lower, obj.pk)
    if key not in cache:
        cache[key] = check(request.user, obj)
    return cache[key]


def _visible(request, obj) -> bool:
    from eldercare.accounts.scoping import can_read

    return obj.pk is None or _cached(request, "read", obj, can_read)


def _writable(request, obj) -> bool:
    from eldercare.accounts.scoping import can_write

    if obj.pk is None:
        return can_write(request.user, model=type(obj))
    return _cached(request, "write", obj, can_write)


def _full_numbers(request, obj) -> bool:
    from .masking import may_see_full_numbers

    return obj is not None and obj.pk is not None and _cached(request, "full", obj, may_see_full_numbers)


class ScopedRelatedFieldListFilter(admin.RelatedFieldListFilter):
    """A related-field filter offering only the related rows in the user's scope."""

    def field_choices(self, field, request, model_admin):
        related = field.remote_field.model if field.is_relation and field.remote_field else field.related_model
        queryset = scope_queryset(request.user, related._default_manager.all())
        limit = field.get_limit_choices_to() if hasattr(field, "get_limit_choices_to") else None
        if limit:
            queryset = queryset.complex_filter(limit)
        ordering = self.field_admin_ordering(field, request, model_admin)
        if ordering:
            queryset = queryset.order_by(*ordering)
        to_field = getattr(field.remote_field, "field_name", None) or "pk"
        return [(getattr(obj, to_field), str(obj)) for obj in queryset]


class ScopedAllValuesFieldListFilter(admin.AllValuesFieldListFilter):
    """The distinct values of a field reached through a relation, read only from rows in scope."""

    def __init__(self, field, request, params, model, model_admin, field_path):
        super().__init__(field, request, params, model, model_admin, field_path)
        from django.contrib.admin.utils import reverse_field_path

        parent_model, reverse_path = reverse_field_path(model, field_path)
        if parent_model is model:
            return  # already read from the admin's own (scoped) queryset
        queryset = scope_queryset(request.user, parent_model._default_manager.all())
        queryset = queryset.filter(**{f"{reverse_path}__in": model_admin.get_queryset(request)})
        self.lookup_choices = (
            queryset.exclude(**{f"{field.name}__isnull": True})
            .distinct()
            .order_by(field.name)
            .values_list(field.name, flat=True)
        )


def _scoped_list_filter(model, item):
    """`item` of a list_filter, with Django's related and all-values filters swapped for scoped ones."""
    from django.contrib.admin.utils import get_fields_from_path

    if isinstance(item, str):
        try:
            fields = get_fields_from_path(model, item)
        except (FieldDoesNotExist, admin.utils.NotRelationField):
            return item
        last = fields[-1]
        if last.is_relation:
            return (item, ScopedRelatedFieldListFilter)
        if len(fields) > 1 and not getattr(last, "flatchoices", None) and last.get_internal_type() != "BooleanField":
            return (item, ScopedAllValuesFieldListFilter)
        return item
    if isinstance(item, (tuple, list)) and len(item) == 2:
        name, filter_class = item
        if filter_class is admin.RelatedFieldListFilter:
            return (name, ScopedRelatedFieldListFilter)
        if filter_class is admin.AllValuesFieldListFilter:
            return (name, ScopedAllValuesFieldListFilter)
    return item


def _masked_display(model_admin, name: str, *, reveal_link: bool):
    """The admin display function for the masked form of personal field `name`."""
    from .masking import mask_value

    field = model_admin.model._meta.get_field(name)

    def display(obj):
        value = mask_value(obj, name, getattr(obj, name))
        url = _reveal_url(obj, name) if reveal_link and value else None
        if url:
            return format_html('{} <a href="{}" class="reveal-link">{}</a>', value, url, _("Show in full"))
        return value or "-"

    display.short_description = field.verbose_name
    return display


def _reveal_url(obj, name: str) -> str | None:
    from django.urls import NoReverseMatch, reverse

    opts = obj._meta
    try:
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_reveal", args=[obj.pk, name])
    except NoReverseMatch:
        return None


def _mask_fieldsets(fieldsets, personal: set) -> list:
    """The fieldsets with each personal field replaced by its masked, read-only display."""

    seen = set()

    def swap(name):
        if isinstance(name, (tuple, list)):
            return type(name)(swap(part) for part in name)
        return f"{REVEAL_PREFIX}{name}" if name in personal else name

    def keep(name) -> bool:
        # Without declared fieldsets Django lists the field and the read-only display: keep one.
        if isinstance(name, str) and name.startswith(REVEAL_PREFIX):
            if name in seen:
                return False
            seen.add(name)
        return True

    return [
        (title, {**options, "fields": [name for name in map(swap, options.get("fields", ())) if keep(name)]})
        for title, options in fieldsets
    ]


def _masked_names(personal) -> list[str]:
    return [f"{REVEAL_PREFIX}{name}" for name in sorted(personal)]


class _ScopedFormfieldsMixin:
    """Foreign-key and many-to-many choices (select, autocomplete, raw id) limited to the user's scope."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is not None and hasattr(field, "queryset"):
            field.queryset = scope_queryset(request.user, field.queryset)
        return field

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if field is not None and hasattr(field, "queryset"):
            field.queryset = scope_queryset(request.user, field.queryset)
        return field

    def __getattr__(self, name: str):
        # The masked displays of personal fields ("masked__resident_id"), made on demand.
        for prefix in (MASKED_PREFIX, REVEAL_PREFIX):
            if name.startswith(prefix):
                from .masking import is_personal_field

                field = name[len(prefix) :]
                if is_personal_field(self.model, field):
                    return _masked_display(self, field, reveal_link=prefix == REVEAL_PREFIX)
        raise AttributeError(name)


class ScopedAdminMixin(InputPolicyAdminMixin, _ScopedFormfieldsMixin):
    """Scope for one ModelAdmin: rows, object permissions, choices, filters, masking and reveal.

    It also brings the input policy (core.admin_policy) to every form, list and search.
    """

    # --- Rows: lists, search, autocomplete, date hierarchy and change pages all start here ---
    def get_queryset(self, request):
        return scope_queryset(request.user, super().get_queryset(request))

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        # Django redirects with "perhaps it was deleted"; outside the scope there is nothing: 404.
        raise Http404(_("No such record."))

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # Before any permission check, so that a foreign object answers the same 404 to every role.
        if object_id is not None and self.get_object(request, unquote(object_id)) is None:
            raise Http404(_("No such record."))
        return super().changeform_view(request, object_id, form_url, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404(_("No such record."))
        request._eldercare_full_numbers = _full_numbers(request, obj)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if self.get_object(request, unquote(object_id)) is None:
            raise Http404(_("No such record."))
        return super().history_form_view(request, object_id, version_id, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        # Like the change page: a foreign object is absent (404) for every role, before any permission check.
        if self.get_object(request, unquote(object_id)) is None:
            raise Http404(_("No such record."))
        return super().delete_view(request, object_id, extra_context)

    # --- Permissions: the role decides the model (backend), the scope decides the object ---
    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and (obj is None or _visible(request, obj))

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (obj is None or _writable(request, obj))

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (obj is None or _writable(request, obj))

    def save_related(self, request, form, formsets, change):
        hidden = self._out_of_scope_relations(request, form) if change else {}
        super().save_related(request, form, formsets, change)
        for name, pks in hidden.items():
            # A choice list shows only rows in scope; links to rows outside it stay as they were.
            getattr(form.instance, name).add(*pks)
        from eldercare.accounts.scoping import can_write

        if not can_write(request.user, form.instance):
            # The change would put the record outside the user's scope: refused, rolled back.
            raise PermissionDenied

    def _out_of_scope_relations(self, request, form) -> dict:
        hidden = {}
        for field in self.model._meta.many_to_many:
            form_field = form.fields.get(field.name)
            if form_field is None or not hasattr(form_field, "queryset"):
                continue
            related = getattr(form.instance, field.name).exclude(pk__in=form_field.queryset.values("pk"))
            pks = list(related.values_list("pk", flat=True))
            if pks:
                hidden[field.name] = pks
        return hidden

    # --- Filters: only values in scope ---
    def get_list_filter(self, request):
        return [_scoped_list_filter(self.model, item) for item in super().get_list_filter(request)]

    # --- Inlines: scoped as well ---
    def get_inlines(self, request, obj):
        return [_scoped_inline(inline) for inline in super().get_inlines(request, obj)]

    # --- Personal numbers: masked in lists, in change pages (unless the role needs them) and history ---
    def get_list_display(self, request):
        from .masking import masked_fields

        personal = masked_fields(self.model)
        return [f"{MASKED_PREFIX}{name}" if name in personal else name for name in super().get_list_display(request)]

    def get_list_display_links(self, request, list_display):
        from .masking import masked_fields

        links = super().get_list_display_links(request, list_display)
        personal = masked_fields(self.model)
        if not links:
            return links
        return [f"{MASKED_PREFIX}{name}" if name in personal else name for name in links]

    def _masks_on_page(self, request, obj) -> set:
        from .masking import masked_fields

        personal = set(masked_fields(self.model))
        if not personal or obj is None or obj.pk is None or _full_numbers(request, obj):
            return set()
        return personal

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        personal = self._masks_on_page(request, obj)
        return _mask_fieldsets(fieldsets, personal) if personal else fieldsets

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        personal = self._masks_on_page(request, obj)
        readonly += [name for name in _masked_names(personal) if name not in readonly]
        return readonly

    def get_historical_record_context_helper(self, request, historical_record):
        helper = super().get_historical_record_context_helper(request, historical_record)
        if getattr(request, "_eldercare_full_numbers", False):
            return helper
        return _MaskingHistoryHelper(helper)

    # --- Reveal: showing one full number is an explicit, logged act ---
    def get_urls(self):
        from django.urls import path

        from .masking import masked_fields

        urls = super().get_urls()
        if not masked_fields(self.model):
            return urls
        opts = self.model._meta
        reveal = path(
            "<path:object_id>/reveal/<str:field>/",
            self.admin_site.admin_view(self.reveal_view),
            name=f"{opts.app_label}_{opts.model_name}_reveal",
        )
        return [reveal, *urls]

    def reveal_view(self, request, object_id, field):
        from .views import reveal_personal_number

        obj = self.get_object(request, unquote(object_id))
        if obj is None or not self.has_view_permission(request, obj):
            raise Http404(_("No such record."))
        return reveal_personal_number(request, obj, field, model_admin=self)


class _MaskingHistoryHelper:
    """Wraps simple_history's context helper so that a change of a personal number shows masked."""

    def __init__(self, helper):
        self._helper = helper

    def context_for_delta_changes(self, delta):
        from .masking import masked_fields

        personal = masked_fields(self._helper.model)
        rows = self._helper.context_for_delta_changes(delta)
        for row, change in zip(rows, delta.changes, strict=True):
            if change.field in personal:
                row["old"] = personal[change.field](str(change.old or ""))
                row["new"] = personal[change.field](str(change.new or ""))
        return rows

    def __getattr__(self, name):
        return getattr(self._helper, name)


class ScopedInlineMixin(InputPolicyInlineMixin, _ScopedFormfieldsMixin):
    """Scope for an inline: its rows, its choices, its masking; writes only under a parent one may write."""

    def get_queryset(self, request):
        return scope_queryset(request.user, super().get_queryset(request))

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and (obj is None or _writable(request, obj))

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (obj is None or _writable(request, obj))

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (obj is None or _writable(request, obj))

    def _masks_in_inline(self, request, parent) -> set:
        from .masking import masked_fields

        personal = set(masked_fields(self.model))
        if not personal or (parent is not None and _full_numbers(request, parent)):
            return set()
        return personal

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        personal = self._masks_in_inline(request, obj)
        return _mask_fieldsets(fieldsets, personal) if personal else fieldsets

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        personal = self._masks_in_inline(request, obj)
        readonly += [name for name in _masked_names(personal) if name not in readonly]
        return readonly


_SCOPED_INLINES: dict[type, type] = {}


def _scoped_inline(inline_class: type) -> type:
    if issubclass(inline_class, ScopedInlineMixin):
        return inline_class
    if inline_class not in _SCOPED_INLINES:
        _SCOPED_INLINES[inline_class] = type(
            inline_class.__name__,
            (ScopedInlineMixin, inline_class),
            {"__module__": inline_class.__module__, "__qualname__": inline_class.__qualname__},
        )
    return _SCOPED_INLINES[inline_class]


class EldercareAdminSite(admin.AdminSite):
    """The admin site: every ModelAdmin registered on it is scoped (see `ScopedAdminMixin`).

    Installed as the default site by `eldercare.accounts.apps.EldercareAdminConfig`, so
    `django.contrib.admin.site` and `@admin.register` are this site.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Registered here, not at the end of this module: the module is imported while `admin.site`
        # is being built, and a registration made then would go to an instance that is thrown away.
        from .models import RecountRequest

        self.register(RecountRequest, RecountRequestAdmin)

    def register(self, model_or_iterable, admin_class=None, **options):
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, ScopedAdminMixin):
            admin_class = type(
                admin_class.__name__,
                (ScopedAdminMixin, admin_class),
                {"__module__": admin_class.__module__, "__qualname__": admin_class.__qualname__},
            )
        return super().register(model_or_iterable, admin_class, **options)

    def admin_view(self, view, cacheable=False):
        # Every admin page: a POST holding control characters is refused before it (core.admin_policy).
        return super().admin_view(guard_posts(view), cacheable)


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
