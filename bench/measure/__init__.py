"""The measurements of `make bench`, each next to its floor measured in the same run on the same data.

Every measurement is one function `measure_<thing>(context) -> list[Figure]` listed in
MEASUREMENTS, in the order they run; one that needs a feature not built yet answers a Figure
without a value saying so, and starts measuring by itself once the feature lands.

- recompute: `full_recompute` (first and nightly run) against the fair floor and the GROUP BY one;
- incremental: `incremental_end_to_end`, a day's visits through bulk ingest to fresh roll-ups;
- ingest: `api_ingest`, over HTTP against gunicorn with token auth, beside the in-process figure;
- dashboards: `dashboards`, p95 and query counts of the national and an area dashboard;
- the national ledgers (`export_recipients_national`, `export_visits_national`) come from
  bench.exports_measure, when it is there;
- `rollup_lag_after_load` is measured by the load test (bench.loadtest).
"""

import importlib

from bench.figures import Figure, unavailable
from bench.import_bombs import measure_import_bombs
from bench.imports import measure_imports
from bench.measure.context import BenchContext, busiest_area, latest_areas, latest_batch
from bench.measure.dashboards import measure_dashboards
from bench.measure.incremental import measure_incremental_end_to_end
from bench.measure.ingest import measure_api_ingest
from bench.measure.recompute import FAIR_FLOOR, GROUP_BY_FLOOR, fair_floor, measure_full_recompute

EXPORT_KEYS = (
    ("export_recipients_national", "National recipient ledger (CSV)"),
    ("export_visits_national", "National visit ledger (CSV)"),
)


def measure_national_exports(context: BenchContext) -> list[Figure]:
    """The national ledgers, measured by bench.exports_measure when that module is there."""
    try:
        measure = importlib.import_module("bench.exports_measure").measure_national_exports
    except (ImportError, AttributeError) as error:
        why = f"bench.exports_measure.measure_national_exports is not there yet ({type(error).__name__}: {error})"
        return [unavailable(key, label, why) for key, label in EXPORT_KEYS]
    return measure(context)


MEASUREMENTS = (
    measure_import_bombs,
    measure_imports,
    measure_full_recompute,
    measure_incremental_end_to_end,
    measure_api_ingest,
    measure_dashboards,
    measure_national_exports,
)
# What a growth run (`--batches N`) measures at its size: the recompute, a day's incremental, the
# dashboards and the national exports.
GROWTH_MEASUREMENTS = (
    measure_full_recompute,
    measure_incremental_end_to_end,
    measure_dashboards,
    measure_national_exports,
)

__all__ = [
    "FAIR_FLOOR",
    "GROWTH_MEASUREMENTS",
    "GROUP_BY_FLOOR",
    "MEASUREMENTS",
    "BenchContext",
    "busiest_area",
    "fair_floor",
    "latest_areas",
    "latest_batch",
    "measure_api_ingest",
    "measure_dashboards",
    "measure_full_recompute",
    "measure_incremental_end_to_end",
    "measure_national_exports",
]
