"""The per-recipient recount as one INSERT … SELECT … ON CONFLICT statement.

Building 220,000 progress rows in Python costs more than counting 6.6 million visits in the
database, so the recount stays in SQL: one statement reads the visits, counts distinct counted
days, finds the N-th (person-time reached) day and its visit, applies the pace model and
upserts the rows, writing only those whose figures changed. The SQL is portable between
PostgreSQL and SQLite (3.35+) but for a few small expressions chosen by `connection.vendor`.

The pace model ("at risk") is rendered by `rules.pace_at_risk_sql`, beside its Python form
`rules.pace_at_risk`; `tests/rules/test_pace.py` checks the two agree.
"""

import datetime as dt
from collections.abc import Sequence

from django.db import connection
from django.utils import timezone

from eldercare.visits.models import Satisfaction, VisitStatus

from .rules import pace_at_risk_sql

SATISFIED = (Satisfaction.SATISFIED, Satisfaction.FAIRLY_SATISFIED)

# Memory for the recount's grouping (PostgreSQL, this transaction only): the per-recipient day
# arrays of a national recount need about 30 MB; the default 4 MB spills them to disk.
RECOUNT_WORK_MEM = "96MB"

UPSERT = """
        INSERT INTO rollups_recipientprogress (
            recipient_id, area_id, counted_visits, reached_on, reaching_visit_id, last_counted_on,
            completed_visits, rated_visits, satisfied_visits, at_risk, computed_at
        )"""

PROGRESS = "rollups_recipientprogress"
# Rows of a person in an area they are no longer served in (no enrolment there; or, never enrolled,
# their household area moved): their figures now belong to another row, so they go.
STALE_DELETE = f"""
        DELETE FROM {PROGRESS}
        WHERE {{progress_scope}}
          AND NOT EXISTS (SELECT 1 FROM served s
                          WHERE s.recipient_id = {PROGRESS}.recipient_id AND s.area_id = {PROGRESS}.area_id)
"""
STALE_ROWS = "{served}" + STALE_DELETE

# Figures compared to decide whether an existing progress row needs writing at all.
COMPARED_COLUMNS = (
    "area_id",
    "counted_visits",
    "reached_on",
    "reaching_visit_id",
    "last_counted_on",
    "completed_visits",
    "rated_visits",
    "satisfied_visits",
    "at_risk",
)


def _vendor_sql() -> dict[str, str]:
    if connection.vendor == "postgresql":
        return {"date_param": "CAST(%(today)s AS DATE)", "distinct": "{a} IS DISTINCT FROM {b}"}
    return {"date_param": "%(today)s", "distinct": "{a} IS NOT {b}"}


def _in_list(column: str, name: str, ids: Sequence[int]) -> tuple[str, dict]:
    if connection.vendor == "postgresql":  # one array parameter: short to send and to plan
        return f"{column} = ANY(%({name})s)", {name: list(ids)}
    names = [f"{name}{index}" for index in range(len(ids))]
    return f"{column} IN ({', '.join(f'%({n})s' for n in names)})", dict(zip(names, ids, strict=True))


def recount_recipients_sql(
    *, today: dt.date, area_ids: Sequence[int] | None = None, recipient_ids: Sequence[int] | None = None
) -> None:
    """Recompute RecipientProgress for recipients of these areas, these recipients, or (neither) everyone."""
    sql = _vendor_sql()
    if (recipient_ids is not None and not recipient_ids) or (area_ids is not None and not area_ids):
        return
    if recipient_ids is not None:
        enrolment_scope, scope_params = _in_list("e.recipient_id", "scope", recipient_ids)
        household_scope, _same = _in_list("r.id", "scope", recipient_ids)
        visit_scope, _same = _in_list("v.recipient_id", "scope", recipient_ids)
        progress_scope, _same = _in_list(f"{PROGRESS}.recipient_id", "scope", recipient_ids)
    elif area_ids is not None:
        enrolment_scope, scope_params = _in_list("e.area_id", "scope", area_ids)
        household_scope, _same = _in_list("r.area_id", "scope", area_ids)
        visit_scope, _same = _in_list("v.area_id", "scope", area_ids)
        progress_scope, _same = _in_list(f"{PROGRESS}.area_id", "scope", area_ids)
    else:
        enrolment_scope = household_scope = visit_scope = progress_scope = "1 = 1"
        scope_params = {}

    today_sql = sql["date_param"]
    changed = " OR ".join(
        sql["distinct"].format(a=f"rollups_recipientprogress.{column}", b=f"excluded.{column}")
        for column in COMPARED_COLUMNS
    )
    # One row per person and area they are enrolled in; a person with no enrolment at all is read
    # as enrolled in their household area (recipients.enrolments.implicitly_enrolled).
    served = f"""
        WITH served AS (
            SELECT e.recipient_id, e.area_id FROM recipients_enrolment e WHERE {enrolment_scope}
            UNION ALL
            SELECT r.id, r.area_id FROM recipients_recipient r
            WHERE {household_scope}
              AND NOT EXISTS (SELECT 1 FROM recipients_enrolment e WHERE e.recipient_id = r.id)
        )"""
    chosen = f"""{served},
        chosen AS (
            SELECT s.recipient_id, s.area_id, b.visits_per_person_time AS needed, a.cycle_start, a.cycle_end
            FROM served s
            JOIN areas_pilotarea a ON a.id = s.area_id
            JOIN areas_batch b ON b.id = a.batch_id
        )"""
    on_conflict = f"""
        ON CONFLICT (recipient_id, area_id) DO UPDATE SET
            counted_visits = excluded.counted_visits,
            reached_on = excluded.reached_on, reaching_visit_id = excluded.reaching_visit_id,
            last_counted_on = excluded.last_counted_on, completed_visits = excluded.completed_visits,
            rated_visits = excluded.rated_visits, satisfied_visits = excluded.satisfied_visits,
            at_risk = excluded.at_risk, computed_at = excluded.computed_at
        WHERE {changed}"""
    if connection.vendor == "postgresql":
        statement = _one_pass_statement(
            chosen, UPSERT, on_conflict, visit_scope=visit_scope, today_sql=today_sql, progress_scope=progress_scope
        )
    else:
        statement = _portable_statement(chosen, UPSERT, on_conflict, visit_scope=visit_scope, today_sql=today_sql)
    params = {
        **scope_params,
        "satisfied": SATISFIED[0],
        "fairly": SATISFIED[1],
        "completed": VisitStatus.COMPLETED,
        "true": True,
        "today": today,
        "now": timezone.now(),
    }
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A statement over millions of visits: JIT compiling costs more than it saves here, and
            # the grouping must not spill to disk (both only for this transaction).
            cursor.execute("SET LOCAL jit = off")
            cursor.execute(f"SET LOCAL work_mem = '{RECOUNT_WORK_MEM}'")
        cursor.execute(statement, params)
        if connection.vendor != "postgresql":  # PostgreSQL removes them in the statement above
            # The rows of pairs no longer served, against the same served pairs (one anti-join).
            cursor.execute(STALE_ROWS.format(served=served, progress_scope=progress_scope), scope_params)


def _risk(counted: str, first_counted: str, today_sql: str) -> str:
    return pace_at_risk_sql(
        counted=counted,
        needed="c.needed",
        first_counted=first_counted,
        cycle_start="c.cycle_start",
        cycle_end="c.cycle_end",
        today=today_sql,
        vendor=connection.vendor,
    )


# The visits a recount reads: completed ones; counted days are the distinct days of the countable
# ones among them (a countable visit is always completed).
FIGURES = """COUNT(*) AS completed,
           COUNT(*) FILTER (WHERE v.satisfaction <> '') AS rated,
           COUNT(*) FILTER (WHERE v.satisfaction IN (%(satisfied)s, %(fairly)s)) AS satisfied,
           array_agg(DISTINCT v.service_date) FILTER (WHERE v.is_countable) AS days"""
# Grouped by person first, in the covering index's own order (no sort): almost everyone's visits
# are filed in one area, and their group is their figures. Only the people whose visits lie in
# several areas (served by two batches) are grouped again by (person, area), reading their visits a
# second time; grouping everyone by (person, area) would sort every visit within each person.
ONE_PASS_AGGREGATE = """
    by_person AS MATERIALIZED (
        SELECT v.recipient_id, min(v.area_id) AS area_id, max(v.area_id) AS last_area_id, {figures}
        FROM visits_visit v
        WHERE v.status = %(completed)s AND {visit_scope}
        GROUP BY v.recipient_id
    ),
    s AS (
        SELECT recipient_id, area_id, completed, rated, satisfied, days FROM by_person
        WHERE area_id = last_area_id
        UNION ALL
        SELECT v.recipient_id, v.area_id, {figures}
        FROM visits_visit v
        WHERE v.status = %(completed)s
          AND v.recipient_id IN (SELECT recipient_id FROM by_person WHERE area_id <> last_area_id)
        GROUP BY v.recipient_id, v.area_id
    )"""


def _one_pass_statement(
    chosen: str, upsert: str, on_conflict: str, *, visit_scope: str, today_sql: str, progress_scope: str
) -> str:
    """PostgreSQL: one grouped pass over the covering index (`visit_recipient_day`, an index-only scan).

    Each recipient's counted days come out as one sorted array: its length is the count, its
    first and last elements the first and last counted days, element N the day the person-time
    was reached. The reaching visit is looked up only for recipients who reached it, in the same
    index (already in start order). The figures are compared with the stored rows in a join, so
    only new or changed rows reach the insert: trying to insert every row and letting the
    conflict clause drop the unchanged ones costs more than the whole join. Rows of pairs no
    longer served are deleted by a CTE of the same statement, against the same served pairs
    (computed once); the pairs it deletes are never among those upserted.
    """
    counted = "COALESCE(cardinality(s.days), 0)"
    reached = "s.days[c.needed]"
    # The stored rows compared are only those in scope: a day's 18,000 people read 18,000 rows by
    # index, not the whole table into a hash.
    compare_scope = progress_scope.replace(f"{PROGRESS}.", "p.")
    changed = " OR ".join(f"p.{column} IS DISTINCT FROM x.{column}" for column in COMPARED_COLUMNS)
    columns = ", ".join(f"x.{column}" for column in ("recipient_id", *COMPARED_COLUMNS))
    return f"""
        {chosen},
        {ONE_PASS_AGGREGATE.format(visit_scope=visit_scope, figures=FIGURES)},
        x AS (
            SELECT c.recipient_id, c.area_id, {counted} AS counted_visits, {reached} AS reached_on,
                   CASE WHEN {reached} IS NOT NULL THEN
                       (SELECT v.id FROM visits_visit v
                        WHERE v.status = %(completed)s AND v.recipient_id = c.recipient_id
                          AND v.service_date = {reached} AND v.is_countable AND v.area_id = c.area_id
                        ORDER BY v.started_at, v.id LIMIT 1)
                   END AS reaching_visit_id,
                   s.days[cardinality(s.days)] AS last_counted_on, COALESCE(s.completed, 0) AS completed_visits,
                   COALESCE(s.rated, 0) AS rated_visits, COALESCE(s.satisfied, 0) AS satisfied_visits,
                   {_risk(counted, "s.days[1]", today_sql)} AS at_risk
            FROM chosen c LEFT JOIN s ON s.recipient_id = c.recipient_id AND s.area_id = c.area_id
        ),
        stale AS ({STALE_DELETE.format(progress_scope=progress_scope)})
        {upsert}
        SELECT {columns}, %(now)s
        FROM x LEFT JOIN rollups_recipientprogress p
            ON p.recipient_id = x.recipient_id AND p.area_id = x.area_id AND {compare_scope}
        WHERE p.recipient_id IS NULL OR {changed}
        {on_conflict}
    """


def _portable_statement(chosen: str, upsert: str, on_conflict: str, *, visit_scope: str, today_sql: str) -> str:
    """SQLite (no arrays): counted days numbered by a window, the N-th one picked by its number."""
    counted = "COALESCE(k.counted, 0)"
    return f"""
        {chosen},
        all_visits AS (
            SELECT v.recipient_id, v.area_id,
                   COUNT(*) AS completed,
                   SUM(CASE WHEN v.satisfaction <> '' THEN 1 ELSE 0 END) AS rated,
                   SUM(CASE WHEN v.satisfaction IN (%(satisfied)s, %(fairly)s) THEN 1 ELSE 0 END) AS satisfied
            FROM visits_visit v
            WHERE v.status = %(completed)s AND {visit_scope}
            GROUP BY v.recipient_id, v.area_id
        ),
        counted_days AS (
            SELECT d.recipient_id, d.area_id, d.service_date,
                   ROW_NUMBER() OVER (PARTITION BY d.recipient_id, d.area_id ORDER BY d.service_date) AS day_number
            FROM (SELECT DISTINCT v.recipient_id, v.area_id, v.service_date
                  FROM visits_visit v WHERE v.is_countable = %(true)s AND {visit_scope}) d
        ),
        k AS (
            SELECT d.recipient_id, d.area_id, COUNT(*) AS counted, MIN(d.service_date) AS first_day,
                   MAX(d.service_date) AS last_day,
                   MIN(CASE WHEN d.day_number = c.needed THEN d.service_date END) AS reached_on
            FROM counted_days d JOIN chosen c ON c.recipient_id = d.recipient_id AND c.area_id = d.area_id
            GROUP BY d.recipient_id, d.area_id
        )
        {upsert}
        SELECT c.recipient_id, c.area_id, {counted}, k.reached_on,
               (SELECT v.id FROM visits_visit v
                WHERE v.recipient_id = c.recipient_id AND v.area_id = c.area_id
                  AND v.is_countable = %(true)s AND v.service_date = k.reached_on
                ORDER BY v.started_at, v.id LIMIT 1),
               k.last_day, COALESCE(s.completed, 0), COALESCE(s.rated, 0), COALESCE(s.satisfied, 0),
               {_risk(counted, "k.first_day", today_sql)},
               %(now)s
        FROM chosen c
        LEFT JOIN k ON k.recipient_id = c.recipient_id AND k.area_id = c.area_id
        LEFT JOIN all_visits s ON s.recipient_id = c.recipient_id AND s.area_id = c.area_id
        WHERE 1 = 1
        {on_conflict}
    """
