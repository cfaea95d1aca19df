"""List filters that offer only what is in the user's scope: a choice must not name a row one cannot see.

`ScopedAdminMixin.get_list_filter` swaps Django's related-field and all-values filters for the
scoped ones below; `PilotAreaListFilter` and `ProvinceListFilter` are named by admins that filter
records by area or province.
"""

from django.contrib import admin
from django.contrib.admin.utils import NotRelationField, get_fields_from_path, reverse_field_path
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from eldercare.accounts.scoping import scope_filter, scope_of, scope_queryset
from eldercare.areas.models import PilotArea, Region


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


def scoped_list_filter(model, item):
    """`item` of a list_filter, with Django's related and all-values filters swapped for scoped ones."""
    if isinstance(item, str):
        try:
            fields = get_fields_from_path(model, item)
        except (FieldDoesNotExist, NotRelationField):
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
