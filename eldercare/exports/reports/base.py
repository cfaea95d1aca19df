"""What every report is made of: typed columns, the report itself, and the scope it covers."""

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from eldercare.areas.models import PilotArea
from eldercare.core.errors import DomainError
from eldercare.providers.models import Provider

from ..selectors import GROUP_SEPARATOR, end_of_day

# Rows fetched per round trip while streaming; each chunk is a few hundred kilobytes of tuples.
CHUNK_SIZE = 2000


@dataclass(frozen=True)
class Column:
    label: str
    kind: str = "str"  # str, int, dec, date, datetime
    width: int = 14
    number_format: str | None = None


def C(label: str, kind: str = "str", width: int = 14) -> Column:  # noqa: N802 - a short constructor
    return Column(label, kind, width, "#,##0.00" if kind == "dec" else None)


@dataclass
class Report:
    kind: str
    title: str
    columns: list[Column]
    rows: Iterator[tuple]
    estimate: int = 0
    pdf_columns: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class Scope:
    """What an export covers: areas (a queryset limited by the user's scope), maybe one provider."""

    areas: object
    provider: Provider | None
    as_of: dt.date
    filters: dict

    @property
    def end(self) -> dt.datetime:
        return end_of_day(self.as_of)

    def area_ids(self) -> list[int]:
        areas = self.areas
        if self.filters.get("batch_year"):
            areas = areas.filter(batch__year=self.filters["batch_year"])
        return sorted(set(areas.values_list("pk", flat=True)))

    def area_labels(self) -> dict[int, tuple[str, str]]:
        return {
            pk: (code, full_name or name)
            for pk, code, full_name, name in PilotArea.objects.filter(pk__in=self.area_ids()).values_list(
                "pk", "region__code", "region__full_name", "region__name"
            )
        }

    def narrow(self, queryset, *, area: str = "area_id", provider: str | None = "provider_id"):
        queryset = queryset.filter(**{f"{area}__in": self.area_ids()})
        if self.provider is not None:
            if provider is None:
                raise DomainError(_("This report is per area; choose a national, provincial or area scope."))
            queryset = queryset.filter(**{provider: self.provider.pk})
        return queryset


def _date_range(queryset, filters: dict, field_name: str):
    if filters.get("date_from"):
        queryset = queryset.filter(**{f"{field_name}__gte": filters["date_from"]})
    if filters.get("date_to"):
        queryset = queryset.filter(**{f"{field_name}__lte": filters["date_to"]})
    return queryset


def _split(text: str | None) -> list[str]:
    return sorted(part for part in (text or "").split(GROUP_SEPARATOR) if part)


def _rate(part, whole) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"))
