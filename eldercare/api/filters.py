"""Filters shared by the API's filter sets, and the filter backend every scoped view uses.

A filter value the filter cannot read is a 400 naming it, never silently ignored: django-filter
reads an unknown boolean ("maybe", "null") as "no filter", which answers a question nobody asked.
"""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.drainage import set_override

from eldercare.core.input_policy import BIGINT_MAX

TRUE_VALUES = {"true", "True", "1"}
FALSE_VALUES = {"false", "False", "0"}


class IdFilter(django_filters.NumberFilter):
    """A row id: a positive integer within a bigint (larger numbers cannot be ids, nor be asked about)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", BIGINT_MAX)
        super().__init__(*args, **kwargs)
        # The schema says so too (drf-spectacular would say "number"), with the filter's label.
        schema = {"type": "integer", "minimum": 1, "maximum": BIGINT_MAX, "description": self._label or ""}
        set_override(self, "field", schema)


class StrictBooleanField(forms.NullBooleanField):
    """true or false (or absent); any other value is an error, not "no filter"."""

    widget = forms.TextInput
    default_error_messages = {"invalid": _("Give true or false.")}

    def to_python(self, value):
        if value in (None, ""):
            return None
        if value in TRUE_VALUES:
            return True
        if value in FALSE_VALUES:
            return False
        raise forms.ValidationError(self.error_messages["invalid"], code="invalid")

    def validate(self, value):
        pass


class PolicyFilterBackend(DjangoFilterBackend):
    """django-filter's backend with strict booleans (see the module's docstring)."""

    def get_filterset(self, request, queryset, view):
        filterset = super().get_filterset(request, queryset, view)
        if filterset is not None:
            for item in filterset.filters.values():
                if isinstance(item, django_filters.BooleanFilter):
                    item.field_class = StrictBooleanField
                    item.__dict__.pop("_field", None)  # built from the new class when first asked for
        return filterset
