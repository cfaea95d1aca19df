"""The recipient ledger: eligibility, counted visits and bed as of a day."""

import datetime as dt

from django.db.models import Case, F, IntegerField, OuterRef, Q, Subquery, Value, When

from eldercare.beds.models import FamilyCareBed
from eldercare.core.masking import mask_resident_id
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
from ..selectors import as_of_rows, counted_days_as_of
from .base import CHUNK_SIZE, C, Report, Scope

RECIPIENT_COLUMNS = [
    C("服务对象编号", "int", 10),
    C("身份证号（脱敏）", width=20),
    C("姓名", width=10),
    C("性别", width=5),
    C("出生日期", "date", 11),
    C("项目地区代码", width=10),
    C("项目地区", width=18),
    C("服务机构", width=22),
    C("经济困难类别", width=12),
    C("能力评估等级", width=10),
    C("评估日期", "date", 11),
    C("当日符合上门服务条件", width=10),
    C("计入服务次数", "int", 8),
    C("达成1人次日期", "date", 11),
    C("最近计入服务日期", "date", 11),
    C("床位状态", width=10),
    C("床位验收日期", "date", 11),
]


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
        labels = scope.area_labels()
        recipients = recipient_rows_queryset(scope)
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
        pending = next(days, None)
        for (
            pk,
            resident_id,
            name,
            sex,
            birth_date,
            area_id,
            provider,
            category,
            level,
            assessed_on,
            eligible,
            bed_status,
            bed_accepted_on,
            needed,
        ) in recipients.values_list(
            "id",
            "resident_id",
            "name",
            "sex",
            "birth_date",
            "area_id",
            "provider__name",
            "economic_category",
            "level",
            "assessed_on",
            "eligible",
            "bed_status",
            "bed_accepted_on",
            "needed",
        ).iterator(chunk_size=CHUNK_SIZE):
            # Merge the two sorted streams: this recipient's counted days come next in `days`.
            counted, reached_on, last_day = 0, None, None
            while pending is not None and pending[0] <= pk:
                if pending[0] == pk:
                    counted += 1
                    last_day = pending[1]
                    if counted == needed:
                        reached_on = pending[1]
                pending = next(days, None)
            code, area_name = labels.get(area_id, ("", ""))
            yield (
                pk,
                mask_resident_id(resident_id),
                name,
                v.word("sex", sex),
                birth_date,
                code,
                area_name,
                provider,
                v.word("economic_category", category),
                v.word("capability_level", level),
                assessed_on,
                v.yes_no(bool(eligible)),
                counted,
                reached_on,
                last_day,
                v.word("bed_status", bed_status),
                bed_accepted_on,
            )

    estimate = scope.narrow(Recipient.objects.all()).count()
    return Report(ExportKind.RECIPIENTS, "服务对象台账", RECIPIENT_COLUMNS, rows(), estimate)
