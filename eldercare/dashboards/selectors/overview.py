"""The national and provincial views: every area in scope, their totals, and scope look-ups.

Nationally and per province the expectation is the sum of the areas' expectations, since cycles
start on different days.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.utils import timezone

from eldercare.accounts.scoping import scope_of, scope_queryset
from eldercare.areas.models import Batch, PilotArea, Region
from eldercare.rollups.models import AreaDailySnapshot, ProgressFigures, RecipientProgress
from eldercare.rollups.selectors import recipients_without_provider

from .batches import AreaChoice, BatchChoice, choose_area, choose_batch
from .figures import BAND_LABELS, BAND_SEVERITY, AreaRow, Expectation, Headline, _percent, area_row, headlines


def sees_dashboards(user) -> bool:
    """Officials and auditors see dashboards; provider roles do not (an area's figures are not theirs)."""
    scope = scope_of(user)
    return not scope.is_empty and scope.provider_id is None


def visible_areas(user) -> QuerySet:
    """The pilot areas whose dashboards this user may open."""
    if not sees_dashboards(user):
        return PilotArea.objects.none()
    return scope_queryset(user, PilotArea.objects.all())


def batch_choice(user, raw: str | None, *, today: dt.date, province: Region | None = None) -> BatchChoice:
    """The batch an overview shows (`?batch=`), among those with areas in the user's scope (and province)."""
    return choose_batch(_areas_of(user, province), raw, today=today)


def _areas_of(user, province: Region | None) -> QuerySet:
    areas = visible_areas(user)
    if province is not None:
        areas = areas.filter(region__code__startswith=province.code[:2])
    return areas


def area_rows(areas: QuerySet, *, today: dt.date, as_of: dt.date | None = None) -> list[AreaRow]:
    """One row per area: today's roll-up, or the latest snapshot on or before `as_of`. Two queries at most."""
    areas = areas.select_related("region", "batch").order_by("region__code")
    if as_of is None:
        rows = []
        for area in areas.select_related("progress"):
            rows.append(area_row(area, getattr(area, "progress", None), day=today))
        return rows
    latest = AreaDailySnapshot.objects.filter(area=OuterRef("pk"), day__lte=as_of).order_by("-day").values("pk")[:1]
    areas = list(areas.annotate(snapshot_id=Subquery(latest)))
    snapshots = AreaDailySnapshot.objects.in_bulk([area.snapshot_id for area in areas if area.snapshot_id])
    return [area_row(area, snapshots.get(area.snapshot_id), day=as_of) for area in areas]


def _sum_figures(rows: list[AreaRow]) -> dict | None:
    with_figures = [row.figures for row in rows if row.figures is not None]
    if not with_figures:
        return None
    return {name: sum(figures[name] for figures in with_figures) for name in ProgressFigures.FIGURE_FIELDS}


def _sum_expectations(rows: list[AreaRow]) -> Expectation:
    return Expectation(
        person_times=sum((row.expected.person_times for row in rows), Decimal(0)),
        beds=sum((row.expected.beds for row in rows), Decimal(0)),
        funds=sum((row.expected.funds for row in rows), Decimal(0)),
    )


def _target_satisfaction(rows: list[AreaRow]) -> Decimal:
    targets = [row.area.target_satisfaction for row in rows]
    return sum(targets, Decimal(0)) / len(targets) if targets else Decimal(90)


@dataclass
class Totals:
    """The sum of several areas, paced by the sum of their expectations."""

    figures: dict | None
    expected: Expectation
    headline: dict[str, Headline]
    elapsed_percent: Decimal  # the share of the cycle elapsed, weighted by person-time targets

    @classmethod
    def of(cls, rows: list[AreaRow]) -> "Totals":
        figures = _sum_figures(rows)
        expected = _sum_expectations(rows)
        targets = sum(row.area.target_person_times for row in rows)
        ended = bool(rows) and all(row.ended for row in rows)  # reached or not, once every cycle is over
        return cls(
            figures=figures,
            expected=expected,
            headline=headlines(figures, expected, _target_satisfaction(rows), ended=ended),
            elapsed_percent=_percent(expected.person_times, targets) or Decimal(0),
        )


@dataclass
class ProvinceGroup:
    code: str
    name: str
    rows: list[AreaRow]
    totals: Totals


@dataclass
class Overview:
    """The national or provincial view: totals, the area table and the provinces."""

    batch: Batch | None
    as_of: dt.date | None
    rows: list[AreaRow]
    totals: Totals
    provinces: list[ProvinceGroup]
    updated_at: dt.datetime | None
    # Recipients not yet assigned to a provider, per area id (nobody serves them: officials act on it).
    without_provider: dict[int, int] = field(default_factory=dict)

    @property
    def without_provider_total(self) -> int:
        return sum(self.without_provider.values())

    @property
    def states(self) -> list[tuple[str, str, int]]:
        """(band, label, number of areas) for each state present, worst first: what the table holds."""
        counts: dict[str, int] = defaultdict(int)
        for row in self.rows:
            counts[row.band] += 1
        return [(band, BAND_LABELS[band], counts[band]) for band in sorted(counts, key=BAND_SEVERITY.__getitem__)]


def overview(
    user, *, today: dt.date, batch: Batch | None, province: Region | None = None, as_of: dt.date | None = None
) -> Overview:
    """Figures of every area in the user's scope (of one province if given), and their totals."""
    areas = _areas_of(user, province).filter(batch=batch) if batch else PilotArea.objects.none()
    rows = area_rows(areas, today=today, as_of=as_of)
    by_province: dict[str, list[AreaRow]] = defaultdict(list)
    for row in rows:
        by_province[row.province_code].append(row)
    names = dict(
        Region.objects.filter(code__in=list(by_province), level=Region.Level.PROVINCE).values_list("code", "name")
    )
    provinces = [
        ProvinceGroup(code, names.get(code, code), group, Totals.of(group))
        for code, group in sorted(by_province.items())
    ]
    moments = [row.computed_at for row in rows if row.computed_at]
    return Overview(
        batch=batch,
        as_of=as_of,
        rows=rows,
        totals=Totals.of(rows),
        provinces=provinces,
        updated_at=max(moments) if moments else None,
        without_provider=without_provider_counts(user, areas),
    )


def without_provider_counts(user, areas: QuerySet) -> dict[int, int]:
    """Recipients with no provider, per area: the areas' roll-up figure when the user sees whole areas
    (one read of at most a batch's area rows, whatever the number of people), else one grouped query
    over the progress rows the user sees."""
    scope = scope_of(user)
    if scope.everything or scope.province_prefix or scope.area_id:
        return recipients_without_provider(areas)
    progress = scope_queryset(user, RecipientProgress.objects.filter(area__in=areas, recipient__provider__isnull=True))
    return dict(progress.values("area_id").annotate(n=Count("pk")).values_list("area_id", "n"))


def province_in_scope(user, province_code: str) -> Region | None:
    """The province, when the user's scope covers all of it (national or that province's officials)."""
    scope = scope_of(user)
    if scope.provider_id is not None or not (scope.everything or scope.province_prefix):
        return None
    if scope.province_prefix and scope.province_prefix != province_code[:2]:
        return None
    return Region.objects.filter(code=province_code, level=Region.Level.PROVINCE).first()


def area_choice(user, area_code: str, raw_batch: str | None, *, today: dt.date) -> AreaChoice:
    """The district's pilot area of the batch asked for (`?batch=`), or of the current batch; one query."""
    return choose_area(visible_areas(user).filter(region__code=area_code), raw_batch, today=today)


def area_in_scope(user, area_code: str, *, batch_year: int | None = None) -> PilotArea | None:
    """The pilot area with this division code (of the current batch unless one is given), if in scope."""
    raw = str(batch_year) if batch_year else None
    return area_choice(user, area_code, raw, today=timezone.localdate()).area
