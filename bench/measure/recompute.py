"""The full roll-up recompute (`recompute_all`) against floors measured in the same run.

Two floors, each one statement that returns a single summary row (nothing is fetched to Python
but that row, so the floor is the database's time alone):

- the fair floor, FAIR_FLOOR: the same per-(recipient, area) figures the recount stores, computed
  inside the database by one plain SELECT: completed, rated and satisfied visits, the counted days
  (distinct days of countable visits), the first and last of them and the day of the batch's N-th
  (the person-time reached). Written here, apart from the app's SQL, so the floor does not follow
  the app's choices; it runs under the same session settings the recount takes for itself.
- the GROUP BY floor: only the counted days per (recipient, area), kept beside it for comparison
  with earlier runs.

The recompute is reported twice: the first run, on empty roll-ups (every row written), and the
nightly run, after a day's visits were added and verified but not yet counted (every row read,
a day's worth rewritten), which is what the nightly reconcile meets.
"""

import time

from django.db import connection, transaction

from bench.figures import Figure, QueryProfile, median, stopwatch
from bench.measure.context import BenchContext, drain_queue, fetch, queue_depth
from bench.measure.day import copy_day, plan_day
from eldercare.rollups import services as rollups
from eldercare.rollups.verification import verify_all
from eldercare.visits.models import Satisfaction, VisitStatus

FAIR_FLOOR = """
SELECT count(*), sum(p.completed), sum(p.rated), sum(p.satisfied), sum(cardinality(p.days)),
       count(p.days[b.visits_per_person_time]), max(p.days[1]), max(p.days[cardinality(p.days)])
FROM (
    SELECT recipient_id, area_id, count(*) AS completed,
           count(*) FILTER (WHERE satisfaction <> '') AS rated,
           count(*) FILTER (WHERE satisfaction IN (%(satisfied)s, %(fairly)s)) AS satisfied,
           array_agg(DISTINCT service_date) FILTER (WHERE is_countable) AS days
    FROM visits_visit
    WHERE status = %(completed)s {scope}
    GROUP BY recipient_id, area_id
) p
JOIN areas_pilotarea a ON a.id = p.area_id
JOIN areas_batch b ON b.id = a.batch_id
"""
# The fair floor's figures grouped as the recount groups them since it stopped sorting each
# person's visits: by person in the covering index's order, then by (person, area) only for the
# people filed in several areas. Reported beside the fair floor (`detail.by_person_floor_s`), so the
# ratio against the plain GROUP BY is never mistaken for the overhead alone.
BY_PERSON_FLOOR = """
WITH figures AS MATERIALIZED (
    SELECT recipient_id, min(area_id) AS area_id, max(area_id) AS last_area_id, count(*) AS completed,
           count(*) FILTER (WHERE satisfaction <> '') AS rated,
           count(*) FILTER (WHERE satisfaction IN (%(satisfied)s, %(fairly)s)) AS satisfied,
           array_agg(DISTINCT service_date) FILTER (WHERE is_countable) AS days
    FROM visits_visit WHERE status = %(completed)s
    GROUP BY recipient_id
), p AS (
    SELECT recipient_id, area_id, completed, rated, satisfied, days FROM figures WHERE area_id = last_area_id
    UNION ALL
    SELECT recipient_id, area_id, count(*), count(*) FILTER (WHERE satisfaction <> ''),
           count(*) FILTER (WHERE satisfaction IN (%(satisfied)s, %(fairly)s)),
           array_agg(DISTINCT service_date) FILTER (WHERE is_countable)
    FROM visits_visit
    WHERE status = %(completed)s AND recipient_id IN (SELECT recipient_id FROM figures WHERE area_id <> last_area_id)
    GROUP BY recipient_id, area_id
)
SELECT count(*), sum(p.completed), sum(p.rated), sum(p.satisfied), sum(cardinality(p.days)),
       count(p.days[b.visits_per_person_time]), max(p.days[1]), max(p.days[cardinality(p.days)])
FROM p
JOIN areas_pilotarea a ON a.id = p.area_id
JOIN areas_batch b ON b.id = a.batch_id
"""
GROUP_BY_FLOOR = """
SELECT count(*), sum(days) FROM (
    SELECT recipient_id, area_id, COUNT(DISTINCT service_date) AS days
    FROM visits_visit WHERE is_countable {scope}
    GROUP BY recipient_id, area_id
) g
"""
# The session settings the recount takes for its own transaction (rollups.recount_sql).
FLOOR_SETTINGS = ("SET LOCAL jit = off", "SET LOCAL work_mem = '96MB'")
VERIFY_CHUNK = 2000  # visits per verify_visits call when the nightly day is verified


def fair_floor(recipient_ids: list[int] | None = None, *, statement: str = FAIR_FLOOR) -> tuple:
    """The fair floor's summary row: (groups, completed, rated, satisfied, counted days, reached, first, last)."""
    params = {
        "satisfied": Satisfaction.SATISFIED,
        "fairly": Satisfaction.FAIRLY_SATISFIED,
        "completed": VisitStatus.COMPLETED,
        "ids": recipient_ids,
    }
    scope = "" if recipient_ids is None else "AND recipient_id = ANY(%(ids)s)"
    with transaction.atomic(), connection.cursor() as cursor:
        for setting in FLOOR_SETTINGS:
            cursor.execute(setting)
        cursor.execute(statement.format(scope=scope) if statement is FAIR_FLOOR else statement, params)
        return cursor.fetchone()


def group_by_floor() -> tuple:
    return fetch(GROUP_BY_FLOOR.format(scope=""))[0]


def _floors(repeat: int) -> tuple[list[float], list[float], tuple]:
    fair_runs, summary = stopwatch(fair_floor, repeat=repeat)
    group_runs, _ = stopwatch(group_by_floor, repeat=repeat)
    return fair_runs, group_runs, summary


def _add_nightly_day(context: BenchContext) -> dict:
    """A day's visits arrive and are verified, as the day's uploads would be; the roll-ups do not know yet."""
    from eldercare.visits.verification import verify_visits

    day = context.nightly_day
    planned = plan_day(context, day, count=context.size.day_visits, salt="nightly")
    started = time.perf_counter()
    ids = copy_day(planned)
    copied = time.perf_counter() - started
    started = time.perf_counter()
    for start in range(0, len(ids), VERIFY_CHUNK):
        verify_visits(ids[start : start + VERIFY_CHUNK])
    verified = time.perf_counter() - started
    return {"day": day.isoformat(), "visits": len(ids), "copy_s": copied, "verify_visits_s": verified}


def measure_full_recompute(context: BenchContext) -> list[Figure]:
    """recompute_all on empty roll-ups, then nightly after a day's visits were added, next to the floors."""
    from eldercare.rollups.models import RecipientProgress

    if queue_depth():
        drain_queue()  # earlier measurements' work must not be left for the recount to find
    fair_runs, group_runs, summary = _floors(repeat=3)
    context.log(
        f"  floors: fair {median(fair_runs):.3f} s, GROUP BY {median(group_runs):.3f} s "
        f"({summary[0]:,} recipient-area rows)"
    )
    RecipientProgress.objects.all().delete()
    first_runs, _ = stopwatch(rollups.recompute_all)
    context.log(f"  recompute_all, first (empty roll-ups): {first_runs[0]:.2f} s")
    added = _add_nightly_day(context) if context.nightly_day else {}
    if added:
        context.log(
            f"  nightly day {added['day']}: {added['visits']:,} visits copied in with history "
            f"({added['copy_s']:.2f} s) and verified ({added['verify_visits_s']:.2f} s)"
        )
    with QueryProfile() as profile:
        nightly_runs, _ = stopwatch(rollups.recompute_all)
    context.log(f"  recompute_all, nightly (a day's visits added): {nightly_runs[0]:.2f} s")
    fair_after, group_after, after_summary = _floors(repeat=2)
    fair, group_by = median(fair_runs + fair_after), median(group_runs + group_after)
    by_person_runs, by_person_summary = stopwatch(lambda: fair_floor(statement=BY_PERSON_FLOOR), repeat=3)
    by_person = median(by_person_runs)
    if by_person_summary != after_summary:  # the same figures, or the comparison means nothing
        context.log("  BY_PERSON_FLOOR disagrees with FAIR_FLOOR")
        by_person = None
    verify_runs, differences = stopwatch(verify_all)
    context.log(f"  verify_rollups: {verify_runs[0]:.1f} s, {len(differences)} differences")
    value, first = nightly_runs[0], first_runs[0]
    return [
        Figure(
            key="full_recompute",
            label="Full roll-up recompute (recompute_all, nightly: a day's visits added)",
            value=value,
            unit="s",
            floor=fair,
            floor_label="one SELECT of the same per-recipient figures",
            target="ratio ≤ 1.5",
            met=value / fair <= 1.5 if fair else None,
            detail={
                "first_run_s": first,
                "first_run_ratio": first / fair if fair else None,
                "nightly_run_s": value,
                "nightly_day": added,
                "by_person_floor_s": by_person,
                "by_person_ratio": value / by_person if by_person else None,
                "by_person_floor_runs_s": by_person_runs,
                "group_by_floor_s": group_by,
                "group_by_ratio": value / group_by if group_by else None,
                "first_run_group_by_ratio": first / group_by if group_by else None,
                "fair_floor_runs_s": fair_runs + fair_after,
                "group_by_runs_s": group_runs + group_after,
                "recipient_area_rows": summary[0],
                "sql_seconds": round(profile.total, 3),
                "python_seconds": round(value - profile.total, 3),
                "slowest_queries": profile.top(6),
            },
        ),
        Figure(
            key="verify_rollups",
            label="verify_rollups (independent recount)",
            value=verify_runs[0],
            unit="s",
            floor=group_by,
            floor_label="SQL GROUP BY count",
            target="clean",
            met=not differences,
            detail={"differences": len(differences), "first": [str(d) for d in differences[:10]]},
        ),
    ]
