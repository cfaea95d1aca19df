"""Reads for the fulfillment dashboards: roll-up tables only, never visits.

Each function filters through `scope_queryset`, and runs the same number of queries for 2 areas
or 50, for 100 recipients or 250,000: the figures come from AreaProgress (today) or
AreaDailySnapshot (as of a past day), one row per area.

Pace: an area is expected to have reached, by a day, the share of its targets equal to the share
of its one-year cycle elapsed by the end of that day (rollups.rules.expected_by: a straight line
from nothing at the cycle start to the target at the cycle end). A figure is "behind" below
DASHBOARD_BEHIND_RATIO of that expectation and "far behind" below DASHBOARD_FAR_BEHIND_RATIO.
Nationally and per province the expectation is the sum of the areas' expectations, since cycles
start on different days. Bands of counted visits are thirds of each batch's person-time
threshold (rollups.rules.person_time_bands); a bed counts toward the target by beds.rules.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from eldercare.accounts.scoping import scope_of, scope_queryset
from eldercare.areas.models import Batch, Disbursement, FundAllocation, FundUse, PilotArea, Region
from eldercare.beds.models import BedStatus, FamilyCareBed
from eldercare.beds.rules import beds_counting_toward_target_q
from eldercare.rollups.models import AreaDailySnapshot, ProgressFigures, RecipientProgress
from eldercare.rollups.rules import NO_VISIT_BAND, cycle_elapsed_share, expected_by, person_time_bands

from .models import ProviderAreaStats

ON_TRACK, BEHIND, FAR_BEHIND, NO_DATA = "on_track", "behind", "far_behind", "no_data"
BAND_LABELS = {
    ON_TRACK: _("On track"),
    BEHIND: _("Behind"),
    FAR_BEHIND: _("Far behind"),
    NO_DATA: _("No figures yet"),
}
BAND_SEVERITY = {FAR_BEHIND: 0, BEHIND: 1, ON_TRACK: 2, NO_DATA: 3}
ONE_DECIMAL = Decimal("0.1")


def _percent(value, whole) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(value) * 100 / Decimal(whole)).quantize(ONE_DECIMAL)


def pace_band(percent: Decimal | None, expected_percent: Decimal | None) -> str:
    """On track, behind or far behind: progress against what the straight line expects by now."""
    if percent is None:
        return NO_DATA
    if not expected_percent:
        return ON_TRACK  # nothing is expected before the cycle starts
    ratio = percent / expected_percent
    if ratio >= Decimal(str(settings.DASHBOARD_BEHIND_RATIO)):
        return ON_TRACK
    if ratio >= Decimal(str(settings.DASHBOARD_FAR_BEHIND_RATIO)):
        return BEHIND
    return FAR_BEHIND


def satisfaction_band(rate: Decimal | None, target: Decimal) -> str:
    """Satisfaction is a floor: on track at or above the target, behind within the margin below it."""
    if rate is None:
        return NO_DATA
    if rate >= target:
        return ON_TRACK
    if rate >= target - Decimal(str(settings.DASHBOARD_SATISFACTION_MARGIN)):
        return BEHIND
    return FAR_BEHIND


def worst_band(*bands: str) -> str:
    known = [band for band in bands if band != NO_DATA]
    return min(known, key=BAND_SEVERITY.__getitem__) if known else NO_DATA


@dataclass(frozen=True)
class Headline:
    """One headline figure against its target, with where the pace line stands."""

    key: str
    label: str
    value: object
    target: object
    percent: Decimal | None  # of the target; for satisfaction, the rate itself
    expected_percent: Decimal | None  # the share of the cycle elapsed; for satisfaction, the target
    band: str

    @property
    def band_label(self):
        return BAND_LABELS[self.band]

    @property
    def gap(self) -> Decimal | None:
        """Points ahead (positive) or behind (negative) the pace line."""
        if self.percent is None or self.expected_percent is None:
            return None
        return (self.percent - self.expected_percent).quantize(ONE_DECIMAL)


@dataclass(frozen=True)
class Expectation:
    """What the pace line expects by now, in the figures' own units."""

    person_times: Decimal = Decimal(0)
    beds: Decimal = Decimal(0)
    funds: Decimal = Decimal(0)


def headlines(figures: dict | None, expected: Expectation, target_satisfaction: Decimal) -> dict[str, Headline]:
    """The four headline figures: person-times, beds, satisfaction and funds disbursed."""
    f = figures or {}

    def paced(key, label, value_name, target_name, expected_value):
        value, target = f.get(value_name), f.get(target_name)
        percent = _percent(value, target) if figures is not None else None
        expected_percent = _percent(expected_value, target) if target else None
        return Headline(key, label, value, target, percent, expected_percent, pace_band(percent, expected_percent))

    rate = _percent(f.get("satisfied_visits", 0), f.get("rated_visits", 0))
    target_satisfaction = Decimal(target_satisfaction).quantize(ONE_DECIMAL)
    return {
        "person_times": paced(
            "person_times",
            _("Person-times reached"),
            "person_times_reached",
            "target_person_times",
            expected.person_times,
        ),
        "beds": paced("beds", _("Beds accepted"), "beds_accepted", "target_beds", expected.beds),
        "satisfaction": Headline(
            "satisfaction",
            _("Satisfaction"),
            rate,
            target_satisfaction,
            rate,
            target_satisfaction,
            satisfaction_band(rate, target_satisfaction),
        ),
        "funds": paced("funds", _("Funds disbursed"), "funds_disbursed", "funds_allocated", expected.funds),
    }


@dataclass
class AreaRow:
    """An area's figures (today's, or a snapshot's) and how they compare with the pace line."""

    area: PilotArea
    figures: dict | None
    day: dt.date  # the day the pace is judged on: today, or the snapshot's day
    snapshot_day: dt.date | None
    computed_at: dt.datetime | None
    elapsed: Decimal
    expected: Expectation
    headline: dict[str, Headline]

    @property
    def band(self) -> str:
        return worst_band(self.headline["person_times"].band, self.headline["beds"].band)

    @property
    def band_label(self):
        return BAND_LABELS[self.band]

    @property
    def band_severity(self) -> int:
        return BAND_SEVERITY[self.band]

    @property
    def code(self) -> str:
        return self.area.region.code

    @property
    def name(self) -> str:
        return str(self.area.region)

    @property
    def province_code(self) -> str:
        return self.area.region.province_code

    @property
    def elapsed_percent(self) -> Decimal:
        return (self.elapsed * 100).quantize(ONE_DECIMAL)


def area_row(area: PilotArea, source: ProgressFigures | None, *, day: dt.date) -> AreaRow:
    snapshot_day = getattr(source, "day", None)
    pace_day = snapshot_day or day
    start, end = area.cycle_start, area.cycle_end
    elapsed = cycle_elapsed_share(start, end, pace_day)
    figures = source.figures() if source is not None else None
    expected = Expectation(
        person_times=expected_by(area.target_person_times, start, end, pace_day),
        beds=expected_by(area.target_beds, start, end, pace_day),
        funds=expected_by((figures or {}).get("funds_allocated", Decimal(0)), start, end, pace_day),
    )
    return AreaRow(
        area=area,
        figures=figures,
        day=pace_day,
        snapshot_day=snapshot_day,
        computed_at=getattr(source, "computed_at", None),
        elapsed=elapsed,
        expected=expected,
        headline=headlines(figures, expected, area.target_satisfaction),
    )


def sees_dashboards(user) -> bool:
    """Officials and auditors see dashboards; provider roles do not (an area's figures are not theirs)."""
    scope = scope_of(user)
    return not scope.is_empty and scope.provider_id is None


def visible_areas(user) -> QuerySet:
    """The pilot areas whose dashboards this user may open."""
    if not sees_dashboards(user):
        return PilotArea.objects.none()
    return scope_queryset(user, PilotArea.objects.all())


def default_batch(year: int | None = None) -> Batch | None:
    batches = Batch.objects.all()
    if year:
        return batches.filter(year=year).first()
    return batches.filter(areas__isnull=False).order_by("-year").first()


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
        return cls(
            figures=figures,
            expected=expected,
            headline=headlines(figures, expected, _target_satisfaction(rows)),
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


def overview(
    user, *, today: dt.date, batch: Batch | None, province: Region | None = None, as_of: dt.date | None = None
) -> Overview:
    """Figures of every area in the user's scope (of one province if given), and their totals."""
    areas = visible_areas(user).filter(batch=batch) if batch else PilotArea.objects.none()
    if province is not None:
        areas = areas.filter(region__code__startswith=province.code[:2])
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
    )


def province_in_scope(user, province_code: str) -> Region | None:
    """The province, when the user's scope covers all of it (national or that province's officials)."""
    scope = scope_of(user)
    if scope.provider_id is not None or not (scope.everything or scope.province_prefix):
        return None
    if scope.province_prefix and scope.province_prefix != province_code[:2]:
        return None
    return Region.objects.filter(code=province_code, level=Region.Level.PROVINCE).first()


def area_in_scope(user, area_code: str, *, batch_year: int | None = None) -> PilotArea | None:
    """The pilot area with this division code (of the latest batch unless one is given), if in scope."""
    areas = visible_areas(user).filter(region__code=area_code)
    if batch_year:
        areas = areas.filter(batch__year=batch_year)
    return areas.select_related("region", "batch", "progress").order_by("-batch__year").first()


# --- The area view ------------------------------------------------------------------------------

BED_STAGES = [
    # (label, the date that marks the stage reached)
    (_("Applied"), "applied_on"),
    (_("Assessed and planned"), "plan_signed_on"),
    (_("Retrofit started"), "retrofit_started_on"),
    (_("Retrofit finished, awaiting acceptance"), "retrofit_finished_on"),
    (_("Accepted"), "accepted_on"),
    (_("In service"), "service_started_on"),
]


@dataclass
class AtRiskRecipient:
    recipient_id: int
    name: str
    counted_visits: int
    still_needed: int
    last_counted_on: dt.date | None
    url: str


@dataclass
class FundLine:
    use: str
    label: str
    allocated: Decimal
    disbursed: Decimal

    @property
    def percent(self) -> Decimal | None:
        return _percent(self.disbursed, self.allocated)


@dataclass
class AreaDashboard:
    area: PilotArea
    row: AreaRow
    as_of: dt.date | None
    series: list[dict]
    target_line: list[dict]
    bands: list[dict]
    at_risk: list[AtRiskRecipient]
    at_risk_total: int
    days_left: int | None
    bed_funnel: list[dict]
    beds_withdrawn: int
    beds_counting: int
    beds_by_status: list[dict] | None
    providers: list[ProviderAreaStats]
    providers_computed_at: dt.datetime | None
    funds: list[FundLine]
    updated_at: dt.datetime | None = field(default=None)

    @property
    def visits_per_person_time(self) -> int:
        """The batch's threshold (30 in 2023): headings and labels say it, never a literal."""
        return self.area.batch.visits_per_person_time


def _bed_funnel(user, area: PilotArea, day: dt.date) -> tuple[list[dict], int, int]:
    """Beds that had reached each stage by the end of `day`, the withdrawn among them, and those counting.

    A stage once reached stays reached, whatever happens after: a bed accepted and later withdrawn
    (撤销) was accepted, and counts toward the target (beds.rules), as in the roll-ups. One query.
    """
    beds = scope_queryset(user, FamilyCareBed.objects.filter(area=area))
    counts = beds.aggregate(
        withdrawn=Count("pk", filter=Q(withdrawn_on__lte=day)),
        counting=Count("pk", filter=beds_counting_toward_target_q(day)),
        **{name: Count("pk", filter=Q(**{f"{name}__lte": day})) for _label, name in BED_STAGES},
    )
    funnel = [{"stage": name, "label": str(label), "value": counts[name]} for label, name in BED_STAGES]
    return funnel, counts["withdrawn"], counts["counting"]


def _beds_by_status(user, area: PilotArea) -> list[dict]:
    counts = dict(
        scope_queryset(user, FamilyCareBed.objects.filter(area=area))
        .values("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    return [
        {"status": status, "label": str(label), "value": counts.get(status, 0)} for status, label in BedStatus.choices
    ]


def _funds(user, area: PilotArea, day: dt.date) -> list[FundLine]:
    allocated = dict(
        scope_queryset(user, FundAllocation.objects.filter(area=area))
        .values("use")
        .annotate(s=Sum("amount"))
        .values_list("use", "s")
    )
    disbursed = dict(
        scope_queryset(user, Disbursement.objects.filter(area=area, paid_on__lte=day))
        .values("use")
        .annotate(s=Sum("amount"))
        .values_list("use", "s")
    )
    return [
        FundLine(use, str(label), allocated.get(use) or Decimal(0), disbursed.get(use) or Decimal(0))
        for use, label in FundUse.choices
        if use in allocated or use in disbursed
    ]


def _at_risk(user, area: PilotArea) -> tuple[list[AtRiskRecipient], int]:
    needed = area.batch.visits_per_person_time
    progress = scope_queryset(user, RecipientProgress.objects.filter(area=area, at_risk=True))
    chosen = progress.select_related("recipient").order_by("-counted_visits", "recipient__name", "pk")
    listed = [
        AtRiskRecipient(
            recipient_id=item.recipient_id,
            name=item.recipient.name,
            counted_visits=item.counted_visits,
            still_needed=max(0, needed - item.counted_visits),
            last_counted_on=item.last_counted_on,
            url=reverse("admin:recipients_recipient_change", args=[item.recipient_id]),
        )
        for item in chosen[: settings.DASHBOARD_AT_RISK_LIMIT]
    ]
    # Always counted, so the page runs the same queries whether or not the list is cut.
    return listed, progress.count()


def area_dashboard(user, area: PilotArea, *, today: dt.date, as_of: dt.date | None = None) -> AreaDashboard:
    """Everything the area view shows; `area` comes from `area_in_scope`."""
    day = as_of or today
    if as_of is None:
        row = area_row(area, getattr(area, "progress", None), day=today)
    else:
        source = (
            scope_queryset(user, AreaDailySnapshot.objects.filter(area=area, day__lte=as_of)).order_by("-day").first()
        )
        row = area_row(area, source, day=as_of)
    snapshots = scope_queryset(user, AreaDailySnapshot.objects.filter(area=area, day__lte=day)).order_by("day")
    series = [
        {"day": item["day"].isoformat(), "person_times": item["person_times_reached"], "visits": item["counted_visits"]}
        for item in snapshots.values("day", "person_times_reached", "counted_visits")
    ]
    target_line = []
    if area.cycle_start and area.cycle_end:
        target_line = [
            {"day": area.cycle_start.isoformat(), "value": 0},
            {"day": area.cycle_end.isoformat(), "value": area.target_person_times},
        ]
    f = row.figures or {}
    bands = [
        {"label": str(_("No counted visit")), "value": f.get(NO_VISIT_BAND, 0)},
        *(
            {"label": band.label, "value": f.get(band.field, 0)}
            for band in person_time_bands(area.batch.visits_per_person_time)
            if not band.is_empty  # a threshold below 3 leaves a third empty
        ),
        {"label": str(_("Reached (1 person-time)")), "value": f.get("person_times_reached", 0)},
    ]
    at_risk, at_risk_total = _at_risk(user, area)
    funnel, withdrawn, counting = _bed_funnel(user, area, day)
    providers = list(
        scope_queryset(user, ProviderAreaStats.objects.filter(area=area))
        .select_related("provider")
        .order_by("provider__name")
    )
    # Whole days after today (today counts as elapsed, as in the pace line).
    days_left = (area.cycle_end - today).days if area.cycle_end and area.cycle_end > today else None
    return AreaDashboard(
        area=area,
        row=row,
        as_of=as_of,
        series=series,
        target_line=target_line,
        bands=bands,
        at_risk=at_risk,
        at_risk_total=at_risk_total,
        days_left=days_left,
        bed_funnel=funnel,
        beds_withdrawn=withdrawn,
        beds_counting=counting,
        beds_by_status=None if as_of else _beds_by_status(user, area),
        providers=providers,
        providers_computed_at=max((p.computed_at for p in providers), default=None),
        funds=_funds(user, area, day),
        updated_at=row.computed_at,
    )
