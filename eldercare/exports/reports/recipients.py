"""The recipient ledger: eligibility, counted visits and bed as of a day."""

import datetime as dt

from django.db.models import Case, F, IntegerField, OuterRef, Q, Subquery, Value, When

from eldercare.beds.models import FamilyCareBed
from eldercare.recipients.models import (
    DISABLED_LEVELS,
    MINIMUM_AGE,
    PARTIALLY_DISABLED_LEVELS,
    CapabilityAssessment,
    EconomicCategory,
    Recipient,
)

from ..models import ExportKind
from ..selectors import as_of_rows, counted_days_as_of
from .base import (
    AREA_CODE,
    AREA_NAME,
    CHUNK_SIZE,
    COUNT,
    Column,
    Ledger,
    Report,
    Scope,
    derived,
    masked,
    word,
    yes_no,
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
        Column("当日符合上门服务条件", "str", 10, yes_no("eligible")),
        Column("计入服务次数", "int", 8, derived("counted"), COUNT),
        Column("达成1人次日期", "date", 11, derived("reached_on")),
        Column("最近计入服务日期", "date", 11, derived("last_day")),
        Column("床位状态", "str", 10, word("bed_status", "bed_status")),
        Column("床位验收日期", "date", 11, "bed_accepted_on"),
    ),
    also_fetch=("id", "needed"),
)
RECIPIENT_COLUMNS = list(RECIPIENTS.columns)


def _sixty_years_before(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - MINIMUM_AGE)
    except ValueError:  # 29 February
        return day.replace(year=day.year - MINIMUM_AGE, day=28)


def recipient_rows_queryset(scope: Scope):
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
    disabled = Q(level__in=list(DISABLED_LEVELS)) | Q(
        area__batch__visits_include_partial_disability=True, level__in=list(PARTIALLY_DISABLED_LEVELS)
    )
    recipients = scope.narrow(as_of_rows(Recipient, end))
    return recipients.annotate(
        level=Subquery(assessment.values("level")[:1]),
        assessed_on=Subquery(assessment.values("assessed_on")[:1]),
        eligible=Case(
            When(
                Q(birth_date__lte=_sixty_years_before(day)) & ~Q(economic_category=EconomicCategory.NONE) & disabled,
                then=Value(1),
            ),
            default=Value(0),
            output_field=IntegerField(),
        ),
        bed_status=Subquery(bed.values("status")[:1]),
        bed_accepted_on=Subquery(bed.values("accepted_on")[:1]),
        needed=F("area__batch__visits_per_person_time"),
    ).order_by("id")


def recipient_ledger(scope: Scope) -> Report:
    def rows():
        days = (
            # Narrowed like the recipients (not by an IN over them, which PostgreSQL re-evaluates
            # per row); days of recipients not in the ledger are skipped by the merge below.
            scope.narrow(counted_days_as_of(scope.end))
            .filter(service_date__lte=scope.as_of)
            .values_list("recipient_id", "service_date")
            .distinct()
            .order_by("recipient_id", "service_date")
            .iterator(chunk_size=CHUNK_SIZE)
        )
        pending = [next(days, None)]

        def merge(row: dict) -> None:
            """Merge the two sorted streams: this recipient's counted days come next in `days`."""
            pk, needed = row["id"], row["needed"]
            counted, reached_on, last_day = 0, None, None
            while pending[0] is not None and pending[0][0] <= pk:
                if pending[0][0] == pk:
                    counted += 1
                    last_day = pending[0][1]
                    if counted == needed:
                        reached_on = pending[0][1]
                pending[0] = next(days, None)
            row.update(counted=counted, reached_on=reached_on, last_day=last_day)

        yield from RECIPIENTS.rows(RECIPIENTS.query(recipient_rows_queryset(scope)), scope.context(), step=merge)

    estimate = scope.narrow(Recipient.objects.all()).count()
    return Report(RECIPIENTS.kind, RECIPIENTS.title, RECIPIENT_COLUMNS, rows(), estimate)
