"""The recipient ledger as one PostgreSQL statement: its typed rows, in the ledger's order.

The same rows as the Python merge in `recipients` (tests/exports/test_copy_ledgers.py): every
as-of reading is the latest history row before the end of the day by `DISTINCT ON (id)` ordered
by (history_date, history_id) descending, the order `selectors.as_of_rows` picks (the visits' only
for those that changed: `counted_visit_days_sql`); counted days are
the distinct days of completed visits with no exception holding them back as of the day
(`selectors.counted_days_as_of`), counted per (recipient, area), the N-th of them found by indexing
the sorted array of days with the row's batch threshold (the "person-time threshold" rule's as-of
form, `counted == needed` in the merge). Eligibility is the same expression as the queryset's
(`recipients._eligibility`): 60 by the day, in economic difficulty, and disabled by the assessment in
force that day, partially disabled too where the row's batch serves them.
"""

import datetime as dt

from eldercare.areas.models import PilotArea
from eldercare.recipients.models import DISABLED_LEVELS, PARTIALLY_DISABLED_LEVELS, EconomicCategory
from eldercare.visits.models import HOLDING_STATUSES, VisitStatus

from .base import Context, Scope
from .sql import masked_sql, word_sql, yes_no_sql


def latest_versions(table: str, columns: str, *, where: str = "") -> str:
    """The latest history row of each object before %(end)s (deletions included: callers drop them)."""
    extra = f" AND {where}" if where else ""
    return (
        f"SELECT DISTINCT ON (h.id) h.id, {columns}, h.history_type FROM {table} h "
        f"WHERE h.history_date < %(end)s{extra} ORDER BY h.id, h.history_date DESC, h.history_id DESC"
    )


def holding_visits_sql() -> str:
    """Visits with an exception holding them back as of %(end)s (its status then; open if never changed).

    Each exception is tested by two hashed look-ups in its latest versions (few: most are never
    changed) rather than joined to them, so the rows keep the order of the index they are read by
    (visit_exception_visit_status): the visits are taken out by a merge (see counted_visit_days_sql).
    A visit with two holding exceptions is listed twice; NOT EXISTS, the only reader, does not mind.
    """
    versions = latest_versions("visits_historicalvisitexception", "h.status")
    return f"""
        SELECT x.visit_id FROM visits_visitexception x
        WHERE x.created_at < %(end)s AND CASE
            WHEN x.id IN (SELECT s.id FROM ({versions}) s)
                THEN x.id IN (SELECT s.id FROM ({versions}) s WHERE s.status = ANY(%(holding)s))
            ELSE 'open' = ANY(%(holding)s)
        END
    """


def counted_visit_days_sql(area_ids: list[int], provider: bool) -> str:
    """(recipient_id, area_id, service_date) of every counted visit as of the day: its latest version
    before %(end)s is completed, on or before %(day)s, in the scope, and held by no exception then.

    `latest_versions` without sorting every version (6.6 million visits at scale 1, 800 MB in
    memory, a third of the national ledger's time). A visit's history opens with one creation row
    ('+', written once, when its id was first inserted); every later version is a change ('~') or a
    deletion ('-'). So a visit with no '~' or '-' row before the end has one row then, its '+': the
    first branch reads those, filtered as they are read; only the changed visits (few: a visit is
    filed once and rarely touched again) go through DISTINCT ON, in the second.

    The first branch is read in id order (the history's id index follows its heap: rows are written
    as visits are filed) and the holding exceptions in visit order, so the held visits come out by a
    merge: a hash probe for each of 6.2 million visits took 2–3 s, the merge a fraction of that.
    """
    # Every visit lies in some pilot area: a national scope names them all, and a filter on all of
    # them only tempts the planner into the area index.
    narrowing = "" if national(area_ids) else " AND {v}.area_id = ANY(%(areas)s)"
    if provider:
        narrowing += " AND {v}.provider_id = %(provider)s"
    # Read once for both branches: it is a full pass over the history (1–1.5 s at scale 1).
    return f"""
        WITH changed AS MATERIALIZED (
            SELECT c.id FROM visits_historicalvisit c WHERE c.history_date < %(end)s AND c.history_type <> '+'
        )
        SELECT v.recipient_id, v.area_id, v.service_date FROM (
            SELECT h.id, h.recipient_id, h.area_id, h.service_date FROM visits_historicalvisit h
            WHERE h.history_date < %(end)s AND h.history_type = '+' AND h.status = %(completed)s
              AND h.service_date <= %(day)s{narrowing.format(v="h")}
              AND h.id NOT IN (SELECT changed.id FROM changed)
            ORDER BY h.id
        ) v
        WHERE NOT EXISTS (SELECT 1 FROM ({holding_visits_sql()}) held WHERE held.visit_id = v.id)
        UNION ALL
        SELECT v.recipient_id, v.area_id, v.service_date FROM (
            SELECT DISTINCT ON (h.id) h.id, h.recipient_id, h.area_id, h.provider_id, h.service_date, h.status,
                   h.history_type
            FROM visits_historicalvisit h
            WHERE h.history_date < %(end)s AND h.id IN (SELECT changed.id FROM changed)
            ORDER BY h.id, h.history_date DESC, h.history_id DESC
        ) v
        WHERE v.history_type <> '-' AND v.status = %(completed)s AND v.service_date <= %(day)s{narrowing.format(v="v")}
          AND NOT EXISTS (SELECT 1 FROM ({holding_visits_sql()}) held WHERE held.visit_id = v.id)
    """


def national(area_ids: list[int]) -> bool:
    """Whether the scope holds every pilot area (then nothing is worth narrowing before DISTINCT ON)."""
    return len(area_ids) >= PilotArea.objects.count()


def visit_prefilter(area_ids: list[int]) -> str:
    """For a scope short of the nation: only visits that were ever filed in it (a superset of those
    whose latest version is), so DISTINCT ON sorts the scope's visits and not the nation's."""
    if national(area_ids):
        return ""
    return "h.id IN (SELECT a.id FROM visits_historicalvisit a WHERE a.area_id = ANY(%(areas)s))"


def _sixty_years_before(day: dt.date) -> dt.date:
    from .recipients import _sixty_years_before

    return _sixty_years_before(day)


def recipient_rows_sql(scope: Scope, context: Context) -> tuple[str, dict]:
    area_ids = scope.area_ids()
    labels = sorted(context.areas.items())
    params = {
        "end": scope.end,
        "day": scope.as_of,
        "sixty": _sixty_years_before(scope.as_of),
        "areas": area_ids,
        "provider": scope.provider.pk if scope.provider is not None else None,
        "holding": [str(status) for status in HOLDING_STATUSES],
        "completed": str(VisitStatus.COMPLETED),
        "no_difficulty": str(EconomicCategory.NONE),
        "disabled": sorted(str(level) for level in DISABLED_LEVELS),
        "partial": sorted(str(level) for level in PARTIALLY_DISABLED_LEVELS),
        "label_ids": [pk for pk, _label in labels],
        "label_codes": [code for _pk, (code, _name) in labels],
        "label_names": [name for _pk, (_code, name) in labels],
    }
    provider = " AND r.provider_id = %(provider)s" if scope.provider is not None else ""
    recipients = latest_versions(
        "recipients_historicalrecipient",
        "h.resident_id, h.name, h.sex, h.birth_date, h.area_id, h.provider_id, h.economic_category",
    )
    recorded = latest_versions("recipients_historicalenrolment", "h.recipient_id, h.area_id")
    assessments = latest_versions("recipients_historicalcapabilityassessment", "h.recipient_id, h.level, h.assessed_on")
    beds = latest_versions("beds_historicalfamilycarebed", "h.recipient_id, h.status, h.applied_on, h.accepted_on")
    eligible = (
        "(r.birth_date <= %(sixty)s AND r.economic_category <> %(no_difficulty)s AND ("
        "a.level = ANY(%(disabled)s) OR (ba.visits_include_partial_disability AND a.level = ANY(%(partial)s))))"
    )
    sql = f"""
        WITH recipient AS MATERIALIZED (
            SELECT r.* FROM ({recipients}) r WHERE r.history_type <> '-'{provider}
        ),
        enrolment AS MATERIALIZED (
            SELECT e.recipient_id, e.area_id FROM ({recorded}) e WHERE e.history_type <> '-'
            UNION
            SELECT e.recipient_id, e.area_id FROM recipients_enrolment e
            WHERE e.created_at < %(end)s AND NOT EXISTS (
                SELECT 1 FROM recipients_historicalenrolment h WHERE h.id = e.id AND h.history_date < %(end)s
            )
        ),
        row_key AS (
            SELECT e.recipient_id, e.area_id FROM enrolment e WHERE e.area_id = ANY(%(areas)s)
            UNION ALL
            SELECT r.id, r.area_id FROM recipient r
            WHERE r.area_id = ANY(%(areas)s) AND NOT EXISTS (SELECT 1 FROM enrolment e WHERE e.recipient_id = r.id)
        ),
        counted AS (
            -- Each row's counted days, sorted and distinct: one sort by (recipient, area), then
            -- each group's own few dates.
            SELECT v.recipient_id, v.area_id, array_agg(DISTINCT v.service_date ORDER BY v.service_date) AS days
            FROM ({counted_visit_days_sql(area_ids, scope.provider is not None)}) v
            GROUP BY v.recipient_id, v.area_id
        ),
        assessment AS (
            SELECT DISTINCT ON (a.recipient_id) a.recipient_id, a.level, a.assessed_on FROM ({assessments}) a
            WHERE a.history_type <> '-' AND a.assessed_on <= %(day)s
            ORDER BY a.recipient_id, a.assessed_on DESC, a.id DESC
        ),
        bed AS (
            SELECT DISTINCT ON (b.recipient_id) b.recipient_id, b.status, b.accepted_on FROM ({beds}) b
            WHERE b.history_type <> '-'
            ORDER BY b.recipient_id, (CASE WHEN b.status = 'withdrawn' THEN 1 ELSE 0 END), b.applied_on DESC, b.id DESC
        ),
        label AS (
            SELECT * FROM unnest(%(label_ids)s::bigint[], %(label_codes)s::text[], %(label_names)s::text[])
                AS l(id, code, name)
        )
        SELECT
            r.id AS c0,
            {masked_sql("r.resident_id")} AS c1,
            r.name AS c2,
            {word_sql("sex", "r.sex")} AS c3,
            r.birth_date AS c4,
            label.code AS c5,
            label.name AS c6,
            p.name AS c7,
            {word_sql("economic_category", "r.economic_category")} AS c8,
            {word_sql("capability_level", "a.level")} AS c9,
            a.assessed_on AS c10,
            {yes_no_sql(f"COALESCE({eligible}, false)")} AS c11,
            COALESCE(cardinality(c.days), 0) AS c12,
            c.days[ba.visits_per_person_time] AS c13,
            c.days[cardinality(c.days)] AS c14,
            {word_sql("bed_status", "bed.status")} AS c15,
            bed.accepted_on AS c16,
            k.area_id AS k1
        FROM row_key k
        JOIN recipient r ON r.id = k.recipient_id
        JOIN areas_pilotarea pa ON pa.id = k.area_id
        JOIN areas_batch ba ON ba.id = pa.batch_id
        LEFT JOIN label ON label.id = k.area_id
        LEFT JOIN providers_provider p ON p.id = r.provider_id
        LEFT JOIN assessment a ON a.recipient_id = r.id
        LEFT JOIN bed ON bed.recipient_id = r.id
        LEFT JOIN counted c ON c.recipient_id = k.recipient_id AND c.area_id = k.area_id
        ORDER BY r.id, k.area_id
    """
    return sql, params
