"""Filters shared by the API's filter sets."""

import django_filters
from django import forms

BIGINT_MAX = 2**63 - 1


class IdFilter(django_filters.NumberFilter):
    """A row id: a positive integer within a bigint (larger numbers cannot be ids, nor be asked about)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", BIGINT_MAX)
        super().__init__(*args, **kwargs)
