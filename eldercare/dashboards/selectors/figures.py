"""An area's figures against the pace line: headlines, their bands, and one row per area.

Pace: an area is expected to have reached, by a day, the share of its targets equal to the share
of its one-year cycle elapsed by the end of that day (rollups.rules.expected_by). A figure is
"behind" below DASHBOARD_BEHIND_RATIO of that expectation and "far behind" below
DASHBOARD_FAR_BEHIND_RATIO; satisfaction is a floor, judged against its target.

Once a cycle is over there is no pace left to judge: a figure has reached its target (met,
已达成) or it has not (failed, 未达成), which is not the same as being behind with time to catch up.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from eldercare.areas.models import PilotArea
from eldercare.rollups.models import ProgressFigures
from eldercare.rollups.rules import cycle_elapsed_share, expected_by

ON_TRACK, BEHIND, FAR_BEHIND, NO_DATA = "on_track", "behind", "far_behind", "no_data"
MET, FAILED = "met", "failed"  # after the cycle's last day
BAND_LABELS = {
    ON_TRACK: _("On track"),
    BEHIND: _("Behind"),
    FAR_BEHIND: _("Far behind"),
    NO_DATA: _("No figures yet"),
    MET: _("Target reached"),
    FAILED: _("Target not reached"),
}
# Worst first: sorting a table by status puts the areas that need attention at the top.
BAND_SEVERITY = {FAILED: 0, FAR_BEHIND: 1, BEHIND: 2, ON_TRACK: 3, MET: 4, NO_DATA: 5}
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


def final_band(percent: Decimal | None) -> str:
    """After the cycle: the target reached (100% or more) or not."""
    if percent is None:
        return NO_DATA
    return MET if percent >= 100 else FAILED


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


def headlines(
    figures: dict | None, expected: Expectation, target_satisfaction: Decimal, *, ended: bool = False
) -> dict[str, Headline]:
    """The four headline figures: person-times, beds, satisfaction and funds disbursed.

    `ended`: the cycle is over, so a figure has reached its target or failed, no longer "behind".
    """
    f = figures or {}

    def paced(key, label, value_name, target_name, expected_value):
        value, target = f.get(value_name), f.get(target_name)
        percent = _percent(value, target) if figures is not None else None
        expected_percent = _percent(expected_value, target) if target else None
        band = final_band(percent) if ended else pace_band(percent, expected_percent)
        return Headline(key, label, value, target, percent, expected_percent, band)

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
    ended: bool = False  # the day judged is after the cycle's last day

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


def cycle_ended(area: PilotArea, day: dt.date) -> bool:
    return area.cycle_end is not None and day > area.cycle_end


def area_row(area: PilotArea, source: ProgressFigures | None, *, day: dt.date) -> AreaRow:
    snapshot_day = getattr(source, "day", None)
    pace_day = snapshot_day or day
    ended = cycle_ended(area, pace_day)
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
        headline=headlines(figures, expected, area.target_satisfaction, ended=ended),
        ended=ended,
    )
