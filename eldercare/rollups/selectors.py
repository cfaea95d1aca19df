"""Reads of the roll-ups for other apps' pages, scoped to the user who asks."""

from django.db.models import F, OuterRef, Prefetch, QuerySet, Subquery

from eldercare.accounts.scoping import scope_queryset
from eldercare.areas.models import PilotArea

from .models import AreaProgress, ProviderAreaStats, RecipientProgress

# Where a person's rows are prefetched (`progress_rows_prefetch`): their rows, earliest cycle first.
PROGRESS_LIST = "progress_list"


def progress_rows_prefetch(lookup: str = "progress_rows") -> Prefetch:
    """Prefetch each person's progress rows (one per area they are served in) with their area and batch."""
    rows = RecipientProgress.objects.select_related("area__batch", "area__region").order_by(
        F("area__cycle_start").asc(nulls_first=True), "pk"
    )
    return Prefetch(lookup, queryset=rows, to_attr=PROGRESS_LIST)


def progress_rows(recipient) -> list[RecipientProgress]:
    """The person's progress rows, earliest cycle first: from the prefetch, else loaded (and kept) once."""
    rows = getattr(recipient, PROGRESS_LIST, None)
    if rows is None:
        rows = list(RecipientProgress.objects.filter(recipient=recipient).select_related("area__batch"))
        rows.sort(key=lambda row: (row.area.cycle_start is not None, row.area.cycle_start, row.pk))
        setattr(recipient, PROGRESS_LIST, rows)
    return rows


def current_progress(recipient) -> RecipientProgress | None:
    """The person's progress in their latest cycle (the latest batch they are served in)."""
    rows = progress_rows(recipient)
    return rows[-1] if rows else None


def current_progress_of(field: str):
    """`field` of the person's progress in their latest cycle, as an annotation (filters and ordering)."""
    rows = RecipientProgress.objects.filter(recipient=OuterRef("pk")).order_by(
        F("area__cycle_start").desc(nulls_last=True), "-pk"
    )
    return Subquery(rows.values(field)[:1])


def provider_stats_in_area(*, user, area: PilotArea) -> QuerySet[ProviderAreaStats]:
    """The providers' figures in `area` that `user` may read, by provider name (one query with the provider)."""
    rows = ProviderAreaStats.objects.filter(area=area).select_related("provider").order_by("provider__name")
    return scope_queryset(user, rows)


def recipients_without_provider(areas) -> dict[int, int]:
    """People served in each area with no provider yet, from the areas' roll-ups (whole areas only:
    a caller whose user sees part of an area counts their own rows)."""
    rows = AreaProgress.objects.filter(area__in=areas, recipients_without_provider__gt=0)
    return dict(rows.values_list("area_id", "recipients_without_provider"))
