"""The recipient ledger: eligibility, counted visits and bed as of a day, one row per enrolment.

A row is a person in a pilot area: one per (recipient, area) the person is enrolled in as of the
day (Enrolment history as of its end, `selectors.enrolments_as_of`), and for a person with no
enrolment at all one row in their household area (`Recipient.area`), as the verification reads
them (`recipients.enrolments.implicitly_enrolled`). A row's counted visits are the countable visits
filed in its area (`Visit.area`, the covering enrolment's); its threshold and its eligibility
(partial disability or not) are its area's batch's. The scope narrows by the row's area.

Two ways to the same rows, in the same order (recipient, then area):
- PostgreSQL: one statement (`recipients_sql.recipient_rows_sql`), streamed as CSV by COPY;
- elsewhere (SQLite): the ORM's as-of querysets merged here in Python, three sorted streams.
tests/exports/test_copy_ledgers.py holds the two to the same file and data hash.
"""

import datetime as dt
from collections.abc import Iterator

from django.db import connection
from django.db.models import Case, Exists, F, IntegerField, OuterRef, Q, Subquery, Value, When

from eldercare.areas.models import PilotArea
from eldercare.beds.models import FamilyCareBed
from eldercare.recipients.models import (
    DISABLED_LEVELS,
    MINIMUM_AGE,
    PARTIALLY_DISABLED_LEVELS,
    CapabilityAssessment,
    EconomicCategory,
    Recipient,
)

from .. import vocabulary as v
from ..models import ExportKind
from ..selectors import as_of_rows, counted_days_as_of, enrolments_as_of
from .base import (
    AREA_CODE,
    AREA_NAME,
    CHUNK_SIZE,
    COUNT,
    Column,
    Context,
    Ledger,
    Report,
    Scope,
    derived,
    masked,
    word,
)

RECIPIENTS = Ledger(
    ExportKind.RECIPIENTS,
    "服务对象台账",
    (
        Column("服务对象编号", "int", 10, "id"),
        Column("身份证号（脱敏）", "str", 20, masked("resident_id")),
        Column("姓名", "str", 10, "name"),
        Column("性别", "str", 5, word("sex", "sex")),
        Column("出生日期", "date", 11, "birth_date"),
        Column("项目地区代码", "str", 10, AREA_CODE),
        Column("项目地区", "str", 18, AREA_NAME),
        Column("服务机构", "str", 22, "provider__name"),
        Column("经济困难类别", "str", 12, word("economic_category", "economic_category")),
        Column("能力评估等级", "str", 10, word("capability_level", "level")),
        Column("评估日期", "date", 11, "assessed_on"),
        Column("当日符合上门服务条件", "str", 10, derived("eligible_word")),
        Column("计入服务次数", "int", 8, derived("counted"), COUNT),
        Column("达成1人次日期", "date", 11, derived("reached_on")),
        Column("最近计入服务日期", "date", 11, derived("last_day")),
        Column("床位状态", "str", 10, word("bed_status", "bed_status")),
        Column("床位验收日期", "date", 11, "bed_accepted_on"),
    ),
    also_fetch=("id", "eligible_strictly", "eligible_with_partial"),
)
RECIPIENT_COLUMNS = list(RECIPIENTS.columns)


# The national ledger sorts every visit's versions (6.6 million at scale 1, about 500 MB) and then
# its counted days: in memory they take 6 s, spilled to disk 9 s (measured at scale 0.1 with a tenth).
COPY_WORK_MEM = "1GB"


def _sixty_years_before(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - MINIMUM_AGE)
    except ValueError:  # 29 February
        return day.replace(year=day.year - MINIMUM_AGE, day=28)


def _eligibility(day: dt.date, levels) -> Case:
    old_and_in_difficulty = Q(birth_date__lte=_sixty_years_before(day)) & ~Q(economic_category=EconomicCategory.NONE)
    return Case(
        When(old_and_in_difficulty & Q(level__in=list(levels)), then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )


def recipient_rows_queryset(scope: Scope):
    """Recipients as of the day with their assessment, bed and eligibility then (both readings of
    partial disability: a row takes its area's batch's); not narrowed by area (their rows are)."""
    end, day = scope.end, scope.as_of
    assessment = (
        as_of_rows(CapabilityAssessment, end)
        .filter(recipient_id=OuterRef("id"), assessed_on__lte=day)
        .order_by("-assessed_on", "-id")
    )
    bed = (
        as_of_rows(FamilyCareBed, end)
        .filter(recipient_id=OuterRef("id"))
        .order_by(Case(When(status="withdrawn", then=1), default=0, output_field=IntegerField()), "-applied_on", "-id")
    )
    recipients = as_of_rows(Recipient, end)
    if scope.provider is not None:
        recipients = recipients.filter(provider_id=scope.provider.pk)
    return (
        recipients.annotate(
            level=Subquery(assessment.values("level")[:1]),
            assessed_on=Subquery(assessment.values("assessed_on")[:1]),
            bed_status=Subquery(bed.values("status")[:1]),
            bed_accepted_on=Subquery(bed.values("accepted_on")[:1]),
        )
        .annotate(
            eligible_strictly=_eligibility(day, DISABLED_LEVELS),
            eligible_with_partial=_eligibility(day, DISABLED_LEVELS | PARTIALLY_DISABLED_LEVELS),
        )
        .annotate(
            # In the household area's batch (tests/rules/test_eligibility.py holds it to `eligibility_on`);
            # a ledger row takes its own area's batch's reading of the two above.
            eligible=Case(
                When(area__batch__visits_include_partial_disability=True, then=F("eligible_with_partial")),
                default=F("eligible_strictly"),
                output_field=IntegerField(),
            ),
        )
    )


def row_keys(scope: Scope):
    """(recipient_id, area_id) of every row in scope, sorted: enrolments as of the day, and the
    household area of those with none."""
    recorded, unrecorded = enrolments_as_of(scope.end)
    area_ids = scope.area_ids()
    enrolled = Exists(recorded.filter(recipient_id=OuterRef("id"))) | Exists(
        unrecorded.filter(recipient_id=OuterRef("id"))
    )
    household = as_of_rows(Recipient, scope.end).filter(area_id__in=area_ids).exclude(enrolled)
    # Each part without its model's default ordering: a compound statement's parts take none.
    return (
        recorded.filter(area_id__in=area_ids)
        .order_by()
        .values_list("recipient_id", "area_id")
        .union(
            unrecorded.filter(area_id__in=area_ids).order_by().values_list("recipient_id", "area_id"),
            household.order_by().values_list("id", "area_id"),
        )
        .order_by("recipient_id", "area_id")
    )


def _area_rules(area_ids: list[int]) -> dict[int, tuple[int, bool]]:
    """Each area's batch threshold and whether its batch serves the partially disabled."""
    return {
        pk: (needed, partial)
        for pk, needed, partial in PilotArea.objects.filter(pk__in=area_ids).values_list(
            "pk", "batch__visits_per_person_time", "batch__visits_include_partial_disability"
        )
    }


def _python_records(scope: Scope) -> Iterator[dict]:
    """Rows merged from three streams sorted by recipient: people, their row keys, their counted days."""
    area_ids = scope.area_ids()
    rules = _area_rules(area_ids)
    keys = iter(row_keys(scope).iterator(chunk_size=CHUNK_SIZE))
    recorded, unrecorded = enrolments_as_of(scope.end)
    in_scope = (
        Exists(recorded.filter(recipient_id=OuterRef("id"), area_id__in=area_ids))
        | Exists(unrecorded.filter(recipient_id=OuterRef("id"), area_id__in=area_ids))
        | Q(area_id__in=area_ids)
    )
    people = iter(RECIPIENTS.query(recipient_rows_queryset(scope).filter(in_scope).order_by("id")))
    days = iter(
        # Narrowed like the rows (not by an IN over them, which PostgreSQL re-evaluates per row);
        # days of rows not in the ledger are skipped by the merge below.
        scope.narrow(counted_days_as_of(scope.end))
        .filter(service_date__lte=scope.as_of)
        .values_list("recipient_id", "area_id", "service_date")
        .distinct()
        .order_by("recipient_id", "area_id", "service_date")
        .iterator(chunk_size=CHUNK_SIZE)
    )
    person, day = next(people, None), next(days, None)
    for recipient_id, area_id in keys:
        while person is not None and person["id"] < recipient_id:
            person = next(people, None)
        if person is None or person["id"] != recipient_id:
            continue  # another provider's person
        needed, partial = rules[area_id]
        counted, reached_on, last_day = 0, None, None
        while day is not None and (day[0], day[1]) <= (recipient_id, area_id):
            if (day[0], day[1]) == (recipient_id, area_id):
                counted += 1
                last_day = day[2]
                if counted == needed:
                    reached_on = day[2]
            day = next(days, None)
        eligible = person["eligible_with_partial"] if partial else person["eligible_strictly"]
        yield {
            **person,
            "area_id": area_id,
            "eligible_word": v.yes_no(bool(eligible)),
            "counted": counted,
            "reached_on": reached_on,
            "last_day": last_day,
        }


def _sql_rows(scope: Scope, context: Context) -> Iterator[tuple]:
    from .recipients_sql import recipient_rows_sql
    from .streaming import typed_rows

    sql, params = recipient_rows_sql(scope, context)
    yield from typed_rows(sql, params, len(RECIPIENT_COLUMNS))


def _estimate(scope: Scope) -> int:
    """Rows from the live tables (cheap counts): enrolments in scope, and people in scope with none."""
    from eldercare.recipients.models import Enrolment

    area_ids = scope.area_ids()
    enrolments = Enrolment.objects.filter(area_id__in=area_ids)
    people = Recipient.objects.filter(area_id__in=area_ids).exclude(
        Exists(Enrolment.objects.filter(recipient_id=OuterRef("id")))
    )
    if scope.provider is not None:
        enrolments = enrolments.filter(recipient__provider_id=scope.provider.pk)
        people = people.filter(provider_id=scope.provider.pk)
    return enrolments.count() + people.count()


def recipient_ledger(scope: Scope, *, engine: str = "auto") -> Report:
    """The ledger's report; `engine` "sql" (PostgreSQL only) or "python" forces one way to its rows."""
    use_sql = engine == "sql" or (engine == "auto" and connection.vendor == "postgresql")
    context = scope.context()
    copy = None
    if use_sql:
        from .recipients_sql import recipient_rows_sql

        rows = _sql_rows(scope, context)

        def copy():
            return recipient_rows_sql(scope, context)

    else:
        rows = RECIPIENTS.rows(_python_records(scope), context)
    return Report(
        RECIPIENTS.kind,
        RECIPIENTS.title,
        RECIPIENT_COLUMNS,
        rows,
        _estimate(scope),
        copy=copy,
        copy_work_mem=COPY_WORK_MEM,
    )
