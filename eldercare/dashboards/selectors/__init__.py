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

The reads live in `figures` (pace and headlines), `overview` (national and provincial), `area`
(one pilot area) and `batches` (which batch a page shows: `?batch=`, or the current one); this
module re-exports them.
"""

from eldercare.rollups.rules import cycle_elapsed_share

from .area import BED_STAGES, AreaDashboard, AtRiskRecipient, Crumb, FundLine, area_dashboard, breadcrumbs
from .batches import AreaChoice, BatchChoice, choose_area, choose_batch
from .figures import (
    BAND_LABELS,
    BAND_SEVERITY,
    BEHIND,
    FAILED,
    FAR_BEHIND,
    MET,
    NO_DATA,
    ON_TRACK,
    ONE_DECIMAL,
    AreaRow,
    Expectation,
    Headline,
    area_row,
    cycle_ended,
    final_band,
    headlines,
    pace_band,
    satisfaction_band,
    worst_band,
)
from .overview import (
    Overview,
    ProvinceGroup,
    Totals,
    area_choice,
    area_in_scope,
    area_rows,
    batch_choice,
    overview,
    province_in_scope,
    sees_dashboards,
    visible_areas,
    without_provider_counts,
)

__all__ = [
    "BAND_LABELS",
    "BAND_SEVERITY",
    "BED_STAGES",
    "BEHIND",
    "FAILED",
    "FAR_BEHIND",
    "MET",
    "NO_DATA",
    "ONE_DECIMAL",
    "ON_TRACK",
    "AreaChoice",
    "AreaDashboard",
    "AreaRow",
    "AtRiskRecipient",
    "BatchChoice",
    "Crumb",
    "Expectation",
    "FundLine",
    "Headline",
    "Overview",
    "ProvinceGroup",
    "Totals",
    "area_choice",
    "area_dashboard",
    "area_in_scope",
    "area_row",
    "area_rows",
    "batch_choice",
    "breadcrumbs",
    "choose_area",
    "choose_batch",
    "cycle_ended",
    "cycle_elapsed_share",
    "final_band",
    "headlines",
    "overview",
    "pace_band",
    "province_in_scope",
    "satisfaction_band",
    "sees_dashboards",
    "visible_areas",
    "without_provider_counts",
    "worst_band",
]
