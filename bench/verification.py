"""Exceptions and countability of the generated visits, established set-based on PostgreSQL.

`eldercare.visits.verification.verify_visits` is the truth, visit by visit; over 6.6 million
visits it would take too long for a benchmark set-up, so on PostgreSQL the same rules
(`findings_for`) are applied here with a few statements over the whole table, producing the same
exception rows, details included (the message templates come from the same gettext catalogue).
`check_against_verify_visits` then proves it on a random sample: re-running `verify_visits`
over the sample changes nothing. Elsewhere (SQLite, tiny worlds) `verify_visits` itself runs.

A reviewer's hand is simulated too: three warnings in five are accepted with a reason code
(so those visits count), the rest stay open.

Codes (statuses, levels, the category of no economic difficulty) and the minimum age are bound
as parameters from the domain modules, never written into the SQL, so the statements follow
the app's definitions; the batch's thresholds are read from its table.
"""

import datetime as dt
import random
import time
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Count, Max, Min, Q
from django.utils import timezone
from django.utils.translation import gettext

from bench.loading import is_postgresql
from eldercare.recipients.models import (
    DISABLED_LEVELS,
    MINIMUM_AGE,
    PARTIALLY_DISABLED_LEVELS,
    CapabilityLevel,
    EconomicCategory,
)
from eldercare.visits.models import (
    EXCEPTION_SEVERITY,
    HOLDING_STATUSES,
    ExceptionStatus,
    ExceptionType,
    ReviewReasonCode,
    Severity,
    Visit,
    VisitException,
    VisitStatus,
)
from eldercare.visits.verification import verify_visits

# The reviewer accepts the warnings of visits whose id falls in these residues (3 in 5).
ACCEPTED_RESIDUES = (0, 1, 2)
ACCEPTED_MODULUS = 5
# Visits per verify_visits call in the sample check (see check_against_verify_visits).
SAMPLE_CALL = 50
# The codes and the age the statements below compare with, bound as parameters.
CODES = {
    "completed": VisitStatus.COMPLETED.value,
    "open": ExceptionStatus.OPEN.value,
    "no_difficulty": EconomicCategory.NONE.value,
    "minimum_age": MINIMUM_AGE,
    "overlap_type": ExceptionType.CAREGIVER_OVERLAP.value,
    **{f"type_{kind.value}": kind.value for kind in ExceptionType},
}


def _templates() -> dict[str, str]:
    """The detail templates exactly as findings_for renders them, in the active language."""
    return {
        "too_short": gettext("%(minutes)d min"),
        "far": gettext("%(metres)d m from home"),
        "late": gettext("entered %(days)d days later"),
        "overlap": gettext("overlaps visit %(ids)s"),
        "young": gettext("younger than 60 on that day"),
        "poor": gettext("no economic difficulty recorded"),
        "unassessed": gettext("no capability assessment on or before that day"),
        "assessed": gettext("assessed as %(level)s on %(day)s"),
    }


# 1. One row per completed visit with everything findings_for looks at and cheap flags for each
#    rule; 2. only the visits that raise a flag (a few %) get their messages rendered.
FINDINGS_SQL = """
WITH assessment AS (
    SELECT recipient_id, assessed_on, level,
           LEAD(assessed_on) OVER (PARTITION BY recipient_id ORDER BY assessed_on) AS replaced_on
    FROM recipients_capabilityassessment
),
facts AS (
    SELECT v.id, v.area_id, v.provider_id, v.started_at, v.service_date,
           EXTRACT(EPOCH FROM v.ended_at - v.started_at) / 60 AS minutes,
           EXTRACT(EPOCH FROM COALESCE(v.created_at, %(now)s) - v.ended_at) AS entered_after,
           a.cycle_start, a.cycle_end, b.min_visit_minutes, b.max_visit_hours, b.checkin_radius_m,
           b.late_entry_days, rb.visits_include_partial_disability AS partial_ok,
           r.birth_date, r.economic_category,
           s.assessed_on, s.level,
           CASE WHEN v.checkin_latitude IS NOT NULL AND v.checkin_longitude IS NOT NULL
                 AND r.home_latitude IS NOT NULL AND r.home_longitude IS NOT NULL THEN
               (2 * 6371008.8::float8) * asin(sqrt(
                   power(sin((r.home_latitude::float8 * (pi() / 180.0)
                              - v.checkin_latitude::float8 * (pi() / 180.0)) / 2), 2)
                   + cos(v.checkin_latitude::float8 * (pi() / 180.0)) * cos(r.home_latitude::float8 * (pi() / 180.0))
                     * power(sin(((r.home_longitude::float8 - v.checkin_longitude::float8) * (pi() / 180.0)) / 2), 2)))
           END AS distance
    FROM visits_visit v
    JOIN areas_pilotarea a ON a.id = v.area_id
    JOIN areas_batch b ON b.id = a.batch_id
    JOIN recipients_recipient r ON r.id = v.recipient_id
    JOIN areas_pilotarea ra ON ra.id = r.area_id
    JOIN areas_batch rb ON rb.id = ra.batch_id
    LEFT JOIN assessment s ON s.recipient_id = v.recipient_id AND s.assessed_on <= v.service_date
         AND (s.replaced_on IS NULL OR s.replaced_on > v.service_date)
    WHERE v.status = %(completed)s
),
candidates AS (
    SELECT * FROM facts
    WHERE facts.started_at > %(now)s
       OR facts.cycle_start IS NULL OR facts.cycle_end IS NULL
       OR facts.service_date NOT BETWEEN facts.cycle_start AND facts.cycle_end
       OR facts.minutes < facts.min_visit_minutes OR facts.minutes > facts.max_visit_hours * 60
       OR facts.distance > facts.checkin_radius_m
       OR facts.entered_after > facts.late_entry_days * 86400
       -- a day's margin: the exact birthday rule is applied below
       OR facts.service_date <= facts.birth_date + make_interval(years => %(minimum_age)s, days => 1)
       OR facts.economic_category = %(no_difficulty)s OR facts.level IS NULL
       OR NOT (facts.level = ANY(%(disabled)s::text[]) OR (facts.partial_ok AND facts.level = ANY(%(partial)s::text[])))
),
levels(code, label) AS (SELECT * FROM unnest(%(level_codes)s::text[], %(level_labels)s::text[])),
found AS (
    SELECT c.id, c.area_id, c.provider_id, f.type, f.detail
    FROM candidates c CROSS JOIN LATERAL (SELECT concat_ws('；',
        CASE WHEN EXTRACT(YEAR FROM c.service_date) - EXTRACT(YEAR FROM c.birth_date)
                  - CASE WHEN (EXTRACT(MONTH FROM c.service_date), EXTRACT(DAY FROM c.service_date))
                              < (EXTRACT(MONTH FROM c.birth_date), EXTRACT(DAY FROM c.birth_date))
                         THEN 1 ELSE 0 END < %(minimum_age)s
             THEN %(young)s END,
        CASE WHEN c.economic_category = %(no_difficulty)s THEN %(poor)s END,
        CASE WHEN c.level IS NULL THEN %(unassessed)s
             WHEN NOT (c.level = ANY(%(disabled)s::text[]) OR (c.partial_ok AND c.level = ANY(%(partial)s::text[])))
             THEN replace(replace(%(assessed)s, '%%(level)s', (SELECT label FROM levels WHERE code = c.level)),
                          '%%(day)s', c.assessed_on::text)
        END) AS text) AS reasons
    CROSS JOIN LATERAL (VALUES
        (%(type_future_start)s, c.started_at > %(now)s, ''),
        (%(type_outside_cycle)s,
         NOT (c.cycle_start IS NOT NULL AND c.cycle_end IS NOT NULL
              AND c.service_date BETWEEN c.cycle_start AND c.cycle_end),
         COALESCE(c.cycle_start::text, '—') || ' ~ ' || COALESCE(c.cycle_end::text, '—')),
        (%(type_too_short)s, c.minutes < c.min_visit_minutes,
         replace(%(too_short)s, '%%(minutes)d', trunc(c.minutes)::bigint::text)),
        (%(type_too_long)s, c.minutes > c.max_visit_hours * 60,
         replace(%(too_short)s, '%%(minutes)d', trunc(c.minutes)::bigint::text)),
        (%(type_far_checkin)s, c.distance IS NOT NULL AND c.distance > c.checkin_radius_m,
         replace(%(far)s, '%%(metres)d', round(c.distance)::bigint::text)),
        (%(type_late_entry)s, c.entered_after > c.late_entry_days * 86400,
         replace(%(late)s, '%%(days)d', floor(c.entered_after / 86400)::bigint::text)),
        (%(type_not_eligible)s, reasons.text <> '', reasons.text)
    ) AS f(type, hit, detail)
    WHERE f.hit
)
INSERT INTO visits_visitexception
    (created_at, updated_at, visit_id, type, severity, status, detail, area_id, provider_id, resolution_note)
SELECT %(now)s, %(now)s, found.id, found.type, sev.severity, %(open)s, left(found.detail, 255),
       found.area_id, found.provider_id, ''
FROM found JOIN unnest(%(types)s::text[], %(severities)s::text[]) AS sev(type, severity) ON sev.type = found.type
"""

# Completed visits of one caregiver whose times overlap, in three steps so the planner sees small
# sets: 1. visits overlapping an earlier one (a running maximum of end times over the caregiver's
# visits); 2. those and their partners; 3. the partner lists of all of them, rendered as findings_for
# does. `span` (the longest visit) bounds each partner lookup to an index range.
OVERLAP_FLAGGED_SQL = """
CREATE TEMPORARY TABLE bench_overlap_flagged ON COMMIT DROP AS
SELECT id FROM (
    SELECT id, started_at,
           MAX(ended_at) OVER (PARTITION BY caregiver_id ORDER BY started_at, id
                               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS earlier_end
    FROM visits_visit WHERE status = %(completed)s
) ordered
WHERE earlier_end > started_at
"""
PARTNERS_JOIN = """
    JOIN visits_visit b ON b.caregiver_id = a.caregiver_id AND b.id <> a.id AND b.status = %(completed)s
         AND b.started_at < a.ended_at AND b.ended_at > a.started_at AND b.started_at > a.started_at - %(span)s
"""
OVERLAP_INVOLVED_SQL = f"""
CREATE TEMPORARY TABLE bench_overlap_involved ON COMMIT DROP AS
SELECT DISTINCT x.id
FROM bench_overlap_flagged f JOIN visits_visit a ON a.id = f.id
{PARTNERS_JOIN}
CROSS JOIN LATERAL (VALUES (a.id), (b.id)) AS x(id)
"""
OVERLAP_SQL = f"""
INSERT INTO visits_visitexception
    (created_at, updated_at, visit_id, type, severity, status, detail, area_id, provider_id, resolution_note)
SELECT %(now)s, %(now)s, id, %(overlap_type)s, %(severity)s, %(open)s,
       left(replace(%(overlap)s, '%%(ids)s',
                    array_to_string(ARRAY(SELECT '#' || x FROM unnest(ids[1:5]) WITH ORDINALITY AS u(x, n) ORDER BY n),
                                    ', ')), 255),
       area_id, provider_id, ''
FROM (
    SELECT a.id, a.area_id, a.provider_id, array_agg(b.id ORDER BY b.id) AS ids
    FROM bench_overlap_involved i JOIN visits_visit a ON a.id = i.id
    {PARTNERS_JOIN}
    GROUP BY a.id, a.area_id, a.provider_id
) partners
"""


@dataclass
class VerificationReport:
    method: str
    seconds: float = 0.0
    exceptions: dict = field(default_factory=dict)
    accepted_warnings: int = 0
    countable_visits: int = 0
    visits: int = 0


def establish_verification(*, now: dt.datetime | None = None, log=print) -> VerificationReport:
    """Give every visit its exceptions and countability, as verify_visits would, then accept some warnings."""
    now = now or timezone.now()
    started = time.perf_counter()
    if is_postgresql():
        report = VerificationReport(method="set-based SQL")
        _set_based_exceptions(now)
    else:
        report = VerificationReport(method="verify_visits")
        verify_visits(list(Visit.objects.order_by("pk").values_list("pk", flat=True)), now=now)
    report.accepted_warnings = accept_some_warnings(now)
    store_countability()
    report.seconds = time.perf_counter() - started
    report.exceptions = dict(
        VisitException.objects.values_list("type").annotate(n=Count("pk")).order_by("type").values_list("type", "n")
    )
    report.countable_visits = Visit.objects.filter(is_countable=True).count()
    report.visits = Visit.objects.count()
    log(f"  exceptions and countability ({report.method}): {report.seconds:.1f} s")
    return report


# Partner lookups need a caregiver's visits by start time; while the generator has the table's own
# indexes dropped, this one stands in for visit_caregiver_start.
TEMPORARY_INDEX = "bench_visit_caregiver_start_tmp"


@transaction.atomic
def _set_based_exceptions(now: dt.datetime) -> None:
    templates = _templates()
    types = [str(kind) for kind in EXCEPTION_SEVERITY]
    params = {
        **templates,
        "now": now,
        "level_codes": list(CapabilityLevel.values),
        "level_labels": [str(label) for label in CapabilityLevel.labels],
        "disabled": sorted(level.value for level in DISABLED_LEVELS),
        "partial": sorted(level.value for level in PARTIALLY_DISABLED_LEVELS),
        **CODES,
        "types": types,
        "severities": [str(EXCEPTION_SEVERITY[kind]) for kind in EXCEPTION_SEVERITY],
    }
    with connection.cursor() as cursor:
        # Statistics first: without them the planner takes 6.6 million rows for a few hundred.
        for table in ("visits_visit", "recipients_recipient", "recipients_capabilityassessment"):
            cursor.execute(f"ANALYZE {table}")
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute(f"CREATE INDEX IF NOT EXISTS {TEMPORARY_INDEX} ON visits_visit (caregiver_id, started_at)")
        cursor.execute(FINDINGS_SQL, params)
        cursor.execute("SELECT MAX(ended_at - started_at) FROM visits_visit WHERE status = %(completed)s", CODES)
        span = cursor.fetchone()[0] or dt.timedelta(0)
        cursor.execute(OVERLAP_FLAGGED_SQL, CODES)
        cursor.execute("ANALYZE bench_overlap_flagged")
        cursor.execute(OVERLAP_INVOLVED_SQL, {**CODES, "span": span})
        cursor.execute("ANALYZE bench_overlap_involved")
        cursor.execute(
            OVERLAP_SQL,
            {**CODES, "now": now, "overlap": templates["overlap"], "severity": str(Severity.WARNING), "span": span},
        )
        cursor.execute(f"DROP INDEX {TEMPORARY_INDEX}")


def accept_some_warnings(now: dt.datetime) -> int:
    """A reviewer accepts three warnings in five with a reason code; those visits may then count."""
    codes = ReviewReasonCode.objects.filter(decision=ReviewReasonCode.Decision.ACCEPT, is_active=True)
    reason = codes.order_by("pk").first()
    if reason is None:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE visits_visitexception SET status = %s, reason_code_id = %s, resolved_at = %s, "
            "resolution_note = %s WHERE severity = %s AND status = %s AND visit_id %% %s IN ("
            + ", ".join(["%s"] * len(ACCEPTED_RESIDUES))
            + ")",
            [
                ExceptionStatus.ACCEPTED,
                reason.pk,
                now,
                "复核通过（基准数据）",
                Severity.WARNING,
                ExceptionStatus.OPEN,
                ACCEPTED_MODULUS,
                *ACCEPTED_RESIDUES,
            ],
        )
        return cursor.rowcount


def store_countability() -> int:
    """Set is_countable as verification does (completed, nothing holding it back); touch only rows that change."""
    # `pk IN (holding)` rather than the app's correlated EXISTS: one hashed set for the whole table.
    holding = VisitException.objects.filter(status__in=HOLDING_STATUSES).values("visit_id")
    changed = (
        Visit.objects.filter(status=VisitStatus.COMPLETED, is_countable=False)
        .exclude(pk__in=holding)
        .update(is_countable=True)
    )
    stale = Visit.objects.filter(is_countable=True).filter(~Q(status=VisitStatus.COMPLETED) | Q(pk__in=holding))
    return changed + stale.update(is_countable=False)


@dataclass
class SampleCheck:
    sample: int
    seconds: float
    exceptions_created: int
    exceptions_changed: int
    countable_changed: int

    @property
    def agrees(self) -> bool:
        return not (self.exceptions_created or self.exceptions_changed or self.countable_changed)


def check_against_verify_visits(*, sample: int = 2000, seed: int = 0) -> SampleCheck:
    """Re-run the app's verify_visits over random visits: if the set-based state is right, nothing changes."""
    bounds = Visit.objects.aggregate(low=Min("pk"), high=Max("pk"))
    population = range(bounds["low"] or 0, (bounds["high"] or -1) + 1)
    ids = sorted(random.Random(seed).sample(population, min(sample, len(population))))
    exceptions = VisitException.objects.aggregate(count=Count("pk"), last=Max("pk"), touched=Max("updated_at"))
    countable = dict(Visit.objects.filter(pk__in=ids).values_list("pk", "is_countable"))
    countable_total = Visit.objects.filter(is_countable=True).count()
    started = time.perf_counter()
    # In small calls: verify_visits looks for overlap partners with one OR-term per caregiver, which
    # PostgreSQL answers with a scan of the whole table once the terms run into the thousands.
    for start in range(0, len(ids), SAMPLE_CALL):
        verify_visits(ids[start : start + SAMPLE_CALL])
    seconds = time.perf_counter() - started
    after = VisitException.objects.aggregate(count=Count("pk"), last=Max("pk"), touched=Max("updated_at"))
    touched = exceptions["touched"]
    changed = VisitException.objects.filter(updated_at__gt=touched).count() if touched else 0
    countable_after = dict(Visit.objects.filter(pk__in=ids).values_list("pk", "is_countable"))
    return SampleCheck(
        sample=len(ids),
        seconds=seconds,
        exceptions_created=after["count"] - exceptions["count"],
        exceptions_changed=changed,
        countable_changed=sum(1 for pk, value in countable.items() if countable_after.get(pk) != value)
        + abs(Visit.objects.filter(is_countable=True).count() - countable_total),
    )
