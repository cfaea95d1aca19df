"""Reads of the roll-ups for other apps' pages, scoped to the user who asks."""

from django.db.models import QuerySet

from eldercare.accounts.scoping import scope_queryset
from eldercare.areas.models import PilotArea

from .models import ProviderAreaStats


def provider_stats_in_area(*, user, area: PilotArea) -> QuerySet[ProviderAreaStats]:
    """The providers' figures in `area` that `user` may read, by provider name (one query with the provider)."""
    rows = ProviderAreaStats.objects.filter(area=area).select_related("provider").order_by("provider__name")
    return scope_queryset(user, rows)
