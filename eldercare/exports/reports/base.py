"""What every report is made of: columns declared once, the ledger that streams them, and the scope.

A column says everything about itself in one place: its header (label), how its values are typed
and hashed (kind), its width, where its value comes from (source: a field of the ledger's query,
or a function of the fetched row) and how it is shown (format: an Excel number format, which the
CSV and the PDF follow for their decimals). A ledger is a title and its columns; it fetches exactly
the fields its columns name, so a column is never listed a second time in a `values_list` and a
third time in a tuple.
"""

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from eldercare.areas.models import PilotArea
from eldercare.core.errors import DomainError
from eldercare.core.masking import mask_resident_id
from eldercare.providers.models import Provider

from .. import vocabulary as v
from ..selectors import GROUP_SEPARATOR, end_of_day

# Rows fetched per round trip while streaming; each chunk is a few hundred kilobytes of tuples.
CHUNK_SIZE = 2000

# Number formats, in Excel's codes. Identifiers and years have no thousands separator.
ID = "0"
COUNT = "#,##0"
MONEY = "#,##0.00"
RATE = "0.0"
COORDINATE = "0.000000"  # 6 decimals: about 0.1 m, finer than any phone's fix
DATE = "yyyy-mm-dd"
DATETIME = "yyyy-mm-dd hh:mm:ss"
DEFAULT_FORMATS = {"int": ID, "dec": MONEY, "date": DATE, "datetime": DATETIME, "str": None}

# Marks a demonstration area's name in every export (DOMAIN.md: demo data must say so).
DEMO_MARK = "（示例）"


@dataclass(frozen=True)
class Source:
    """Where a column's value comes from: the query fields it reads and how it turns them into the cell."""

    fields: tuple[str, ...]
    get: Callable[[dict, "Context"], object]


def field_of(name: str) -> Source:
    return Source((name,), lambda row, _context: row[name])


def word(group: str, name: str) -> Source:
    """A coded value in the export vocabulary's words (exports.vocabulary)."""
    return Source((name,), lambda row, _context: v.word(group, row[name]))


def yes_no(name: str) -> Source:
    return Source((name,), lambda row, _context: v.yes_no(None if row[name] is None else bool(row[name])))


def masked(name: str) -> Source:
    """A resident ID number, masked (eldercare.core.masking) before it is written."""
    return Source((name,), lambda row, _context: mask_resident_id(row[name]))


def derived(key: str) -> Source:
    """A value the ledger's own step puts in the row (for values several columns share)."""
    return Source((), lambda row, _context: row[key])


def or_zero(name: str) -> Source:
    return Source((name,), lambda row, _context: row[name] or 0)


AREA_CODE = Source(("area_id",), lambda row, context: context.area(row["area_id"])[0])
AREA_NAME = Source(("area_id",), lambda row, context: context.area(row["area_id"])[1])


@dataclass(frozen=True)
class Column:
    label: str
    kind: str = "str"  # str, int, dec, date, datetime
    width: int = 14
    source: str | Source | None = None
    format: str | None = None

    @property
    def number_format(self) -> str | None:
        return self.format or DEFAULT_FORMATS.get(self.kind)

    @property
    def decimals(self) -> int | None:
        """Digits after the point the format shows (decimals only): the CSV and the PDF write as many."""
        if self.kind != "dec":
            return None
        fmt = self.number_format or ""
        return len(fmt.split(".", 1)[1]) if "." in fmt else 0

    @property
    def grouped(self) -> bool:
        """Whether the format separates thousands (the PDF shows 12,345; the CSV never does)."""
        return "," in (self.number_format or "")

    @property
    def reader(self) -> Source | None:
        if isinstance(self.source, str):
            return field_of(self.source)
        return self.source


@dataclass
class Context:
    """What a ledger's sources read besides the row: the scope's area labels."""

    areas: dict[int, tuple[str, str]]

    def area(self, area_id: int | None) -> tuple[str, str]:
        return self.areas.get(area_id, ("", ""))


@dataclass(frozen=True)
class Ledger:
    """A report's title and columns; it streams rows of exactly those columns from dicts of fetched fields."""

    kind: str
    title: str
    columns: tuple[Column, ...]
    # Fields the ledger's own step reads (a value several columns share), besides the columns' own.
    also_fetch: tuple[str, ...] = ()

    def fields(self) -> list[str]:
        names = list(self.also_fetch)
        for column in self.columns:
            reader = column.reader
            names += [name for name in (reader.fields if reader else ()) if name not in names]
        return names

    def query(self, queryset) -> Iterator[dict]:
        """The rows of a queryset as dicts of this ledger's fields, streamed in chunks."""
        return queryset.values(*self.fields()).iterator(chunk_size=CHUNK_SIZE)

    def rows(
        self, records: Iterable[dict], context: Context, *, step: Callable[[dict], None] | None = None
    ) -> Iterator[tuple]:
        """One tuple of cells per record; `step` first adds the values several columns share."""
        getters = [column.reader.get for column in self.columns]
        for record in records:
            if step is not None:
                step(record)
            yield tuple(get(record, context) for get in getters)


@dataclass
class Report:
    kind: str
    title: str
    columns: list[Column]
    rows: Iterator[tuple]
    estimate: int = 0
    pdf_columns: list[int] = field(default_factory=list)
    # The totals of the whole report, once its rows are read (None where a column has no total):
    # written beside the data (a sheet of their own, the sidecar, the PDF's last row), never among them.
    totals: Callable[[], tuple] | None = None
    # On PostgreSQL, a ledger computed in SQL: its typed rows' statement (columns c0, c1, …, in the
    # ledger's order) and parameters, from which the CSV goes out by COPY (reports.sql, writers.copying).
    copy: Callable[[], tuple[str, dict]] | None = None
    # Memory for each sort and hash of that statement (its transaction only).
    copy_work_mem: str = "256MB"


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
        """Each area's code and name; a demonstration area's name says so (示例)."""
        return {
            pk: (code, (full_name or name) + (DEMO_MARK if is_demo else ""))
            for pk, code, full_name, name, is_demo in PilotArea.objects.filter(pk__in=self.area_ids()).values_list(
                "pk", "region__code", "region__full_name", "region__name", "is_demo"
            )
        }

    def context(self) -> Context:
        return Context(areas=self.area_labels())

    def has_demo_areas(self) -> bool:
        return PilotArea.objects.filter(pk__in=self.area_ids(), is_demo=True).exists()

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
