"""The national and the busiest area's dashboard: p95 server time and the queries a page issues.

Query counts must be the same at every scale (a page whose queries grow with the data does not
stay fast at national scale): each run compares its counts with those recorded by the results
files of other scales in bench/results/.
"""

import json
import time
from pathlib import Path

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench.figures import Figure, median, percentile, unavailable
from bench.measure.context import BenchContext, busiest_area, url

DASHBOARD_REQUESTS = 30
DASHBOARD_WARMUP = 3
TARGET_MS = 100
RESULTS = Path(__file__).resolve().parent.parent / "results"


def _time_page(client: Client, address: str) -> dict:
    for _ in range(DASHBOARD_WARMUP):
        client.get(address)
    durations, statuses = [], set()
    for _ in range(DASHBOARD_REQUESTS):
        started = time.perf_counter()
        response = client.get(address)
        durations.append(time.perf_counter() - started)
        statuses.add(response.status_code)
    with CaptureQueriesContext(connection) as queries:
        client.get(address)
    return {
        "url": address,
        "median_ms": median(durations) * 1000,
        "p95_ms": percentile(durations, 0.95) * 1000,
        "queries": len(queries),
        "statuses": sorted(statuses),
    }


def recorded_query_counts(scale: float) -> dict[str, dict[str, int]]:
    """Query counts per page in the latest results file of each other scale ({file: {page: queries}}).

    Only the latest of a scale: an older file may predate a change to the pages themselves.
    """
    latest: dict[float, tuple[str, dict]] = {}
    for path in sorted(RESULTS.glob("*-scale-*.json")):
        try:
            results = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if results.get("scale") == scale:
            continue
        counts = {}
        for figure in results.get("figures", []):
            detail = figure.get("detail") or {}
            if figure.get("key") == "dashboards":
                counts.update({page: timing["queries"] for page, timing in detail.get("pages", {}).items()})
            elif figure.get("key") in ("dashboard_national", "dashboard_area") and "queries" in detail:
                counts[figure["key"].removeprefix("dashboard_")] = detail["queries"]
        if counts:
            latest[results.get("scale")] = (path.name, counts)  # files sort by time: the last one wins
    return dict(latest.values())


def measure_dashboards(context: BenchContext) -> list[Figure]:
    """Both dashboards through django.test.Client (server time, no network): p95 and query counts."""
    area = busiest_area()
    code = area.region.code
    pages = (
        ("national", "dashboards:national", {}, ("national_official", {})),
        ("area", "dashboards:area", {"area_code": code}, ("district_official", {"area_code": code})),
    )
    timings = {}
    for page, name, kwargs, (role, scope) in pages:
        address = url(name, **kwargs)
        if address is None:
            return [unavailable("dashboards", "Dashboards p95", f"the view {name} is not there yet")]
        client = Client()
        client.force_login(context.user(role, **scope))
        timings[page] = _time_page(client, address)
        timing = timings[page]
        context.log(
            f"  {page} dashboard {address}: median {timing['median_ms']:.0f} ms, p95 {timing['p95_ms']:.0f} ms, "
            f"{timing['queries']} queries, HTTP {timing['statuses']}"
        )
    counts = {page: timing["queries"] for page, timing in timings.items()}
    elsewhere = recorded_query_counts(context.size.scale)
    differing = {
        name: recorded
        for name, recorded in elsewhere.items()
        if any(page in recorded and recorded[page] != queries for page, queries in counts.items())
    }
    worst = max(timing["p95_ms"] for timing in timings.values())
    ok = all(timing["statuses"] == [200] for timing in timings.values())
    notes = [] if ok else [f"HTTP {page}: {timing['statuses']}" for page, timing in timings.items()]
    if differing:
        notes.append(f"query counts {counts} differ from other scales: {differing}")
    return [
        Figure(
            key="dashboards",
            label=(
                f"Dashboards p95, worst of national ({counts['national']} queries) and area "
                f"{area.region.code} ({counts['area']} queries)"
            ),
            value=worst,
            unit="ms",
            target=f"p95 ≤ {TARGET_MS} ms, same query counts at every scale",
            met=ok and worst <= TARGET_MS and not differing,
            note="; ".join(notes)[:300],
            detail={
                "pages": timings,
                "query_counts": counts,
                "query_counts_at_other_scales": elsewhere,
                "same_query_counts_as_other_scales": not differing,
            },
        )
    ]
