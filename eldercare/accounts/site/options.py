"""The scope on one ModelAdmin or inline: rows, object permissions, choices, filters, masking, reveal.

The site (`sites.EldercareAdminSite`) puts these in front of every admin it registers; an admin
never names them. Rows outside the user's scope are absent (404 for every role, before any
permission check); personal numbers are masked unless the role needs them whole.
"""

from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import path
from django.utils.translation import gettext_lazy as _

from eldercare.accounts.scoping import can_write, scope_queryset
from eldercare.core.admin_policy import InputPolicyAdminMixin, InputPolicyInlineMixin
from eldercare.core.masking import is_personal_field, masked_fields
from eldercare.core.views import reveal_personal_number

from .checks import full_numbers, visible, writable
from .filters import scoped_list_filter
from .masks import MASKED_PREFIX, REVEAL_PREFIX, MaskingHistoryHelper, mask_fieldsets, masked_display, masked_names


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
                field = name[len(prefix) :]
                if is_personal_field(self.model, field):
                    return masked_display(self, field, reveal_link=prefix == REVEAL_PREFIX)
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
        request._eldercare_full_numbers = full_numbers(request, obj)
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
        return super().has_view_permission(request, obj) and (obj is None or visible(request, obj))

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (obj is None or writable(request, obj))

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (obj is None or writable(request, obj))

    def save_related(self, request, form, formsets, change):
        hidden = self._out_of_scope_relations(request, form) if change else {}
        super().save_related(request, form, formsets, change)
        for name, pks in hidden.items():
            # A choice list shows only rows in scope; links to rows outside it stay as they were.
            getattr(form.instance, name).add(*pks)
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
        return [scoped_list_filter(self.model, item) for item in super().get_list_filter(request)]

    # --- Inlines: scoped as well ---
    def get_inlines(self, request, obj):
        return [scoped_inline(inline) for inline in super().get_inlines(request, obj)]

    # --- Personal numbers: masked in lists, in change pages (unless the role needs them) and history ---
    def get_list_display(self, request):
        personal = masked_fields(self.model)
        return [f"{MASKED_PREFIX}{name}" if name in personal else name for name in super().get_list_display(request)]

    def get_list_display_links(self, request, list_display):
        links = super().get_list_display_links(request, list_display)
        personal = masked_fields(self.model)
        if not links:
            return links
        return [f"{MASKED_PREFIX}{name}" if name in personal else name for name in links]

    def _masks_on_page(self, request, obj) -> set:
        personal = set(masked_fields(self.model))
        if not personal or obj is None or obj.pk is None or full_numbers(request, obj):
            return set()
        return personal

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        personal = self._masks_on_page(request, obj)
        return mask_fieldsets(fieldsets, personal) if personal else fieldsets

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        personal = self._masks_on_page(request, obj)
        readonly += [name for name in masked_names(personal) if name not in readonly]
        return readonly

    def get_historical_record_context_helper(self, request, historical_record):
        helper = super().get_historical_record_context_helper(request, historical_record)
        if getattr(request, "_eldercare_full_numbers", False):
            return helper
        return MaskingHistoryHelper(helper)

    # --- Reveal: showing one full number is an explicit, logged act ---
    def get_urls(self):
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
        obj = self.get_object(request, unquote(object_id))
        if obj is None or not self.has_view_permission(request, obj):
            raise Http404(_("No such record."))
        return reveal_personal_number(request, obj, field, model_admin=self)


class ScopedInlineMixin(InputPolicyInlineMixin, _ScopedFormfieldsMixin):
    """Scope for an inline: its rows, its choices, its masking; writes only under a parent one may write."""

    def get_queryset(self, request):
        return scope_queryset(request.user, super().get_queryset(request))

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and (obj is None or writable(request, obj))

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (obj is None or writable(request, obj))

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (obj is None or writable(request, obj))

    def _masks_in_inline(self, request, parent) -> set:
        personal = set(masked_fields(self.model))
        if not personal or (parent is not None and full_numbers(request, parent)):
            return set()
        return personal

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        personal = self._masks_in_inline(request, obj)
        return mask_fieldsets(fieldsets, personal) if personal else fieldsets

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        personal = self._masks_in_inline(request, obj)
        readonly += [name for name in masked_names(personal) if name not in readonly]
        return readonly


_SCOPED_INLINES: dict[type, type] = {}


def scoped_inline(inline_class: type) -> type:
    if issubclass(inline_class, ScopedInlineMixin):
        return inline_class
    if inline_class not in _SCOPED_INLINES:
        _SCOPED_INLINES[inline_class] = type(
            inline_class.__name__,
            (ScopedInlineMixin, inline_class),
            {"__module__": inline_class.__module__, "__qualname__": inline_class.__qualname__},
        )
    return _SCOPED_INLINES[inline_class]
