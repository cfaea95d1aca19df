"""The reports auditors export, each a header and a stream of typed rows over a scope and an as-of day.

Every ledger reads the domain as it stood at the end of its as-of day (exports.selectors) and
streams rows from one query (`values_list(...).iterator(chunk_size=...)`), so memory does not
grow with the number of rows. The progress report reads `rollups.AreaDailySnapshot`: for each
area the latest snapshot on or before the as-of day.

Column headers and coded values use the fixed export vocabulary (exports.vocabulary). Names of
areas, providers, caregivers, categories and recipients are read from the current records (a
later rename shows in a re-run); every fact that is counted or paid for is read as of the day.
Resident ID numbers are masked by eldercare.core.masking before they are written.
"""

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Case, F, IntegerField, OuterRef, Q, Subquery, Sum, TextField, Value, When
from django.db.models.functions import Coalesce, Concat
from django.utils.translation import gettext as _

from eldercare.areas.models import Disbursement, PilotArea
from eldercare.beds.models import FamilyCareBed, RetrofitItem
from eldercare.beds.rules import bed_counts_toward_target
from eldercare.core.errors import DomainError
from eldercare.core.masking import mask_resident_id
from eldercare.providers.models import Provider
from eldercare.recipients.models import (
    DISABLED_LEVELS,
    MINIMUM_AGE,
    PARTIALLY_DISABLED_LEVELS,
    CapabilityAssessment,
    EconomicCategory,
    Recipient,
)
from eldercare.rollups.models import AreaDailySnapshot
from eldercare.rollups.rules import BAND_FIELDS
from eldercare.rollups.rules import expected_by as expected_by_rule
from eldercare.visits.models import HOLDING_STATUSES, Visit, VisitException, VisitStatus

from . import vocabulary as v
from .models import ExportKind
from .selectors import (
    GROUP_SEPARATOR,
    GroupConcat,
    as_of_rows,
    counted_days_as_of,
    end_of_day,
    exceptions_as_of,
    visits_as_of,
)

# Rows fetched per round trip while streaming; each chunk is a few hundred kilobytes of tuples.
CHUNK_SIZE = 2000


@dataclass(frozen=True)
class Column:
    label: str
    kind: str = "str"  # str, int, dec, date, datetime
    width: int = 14
    number_format: str | None = None


def C(label: str, kind: str = "str", width: int = 14) -> Column:  # noqa: N802 - a short constructor
    return Column(label, kind, width, "#,##0.00" if kind == "dec" else None)


@dataclass
class Report:
    kind: str
    title: str
    columns: list[Column]
    rows: Iterator[tuple]
    estimate: int = 0
    pdf_columns: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class Scope:
    """What an export covers: areas (a queryset limited by the user's scope), maybe one provider."""

    areas: object
    provider: Provider | None
    as_of: dt.date
    filters: dict

    @property
    def end(self) -> dt.datetime:
        return end_of_day(self.as_of)

    def area_ids(self) -> list[int]:
        areas = self.areas
        if self.filters.get("batch_year"):
            areas = areas.filter(batch__year=self.filters["batch_year"])
        return sorted(set(areas.values_list("pk", flat=True)))

    def area_labels(self) -> dict[int, tuple[str, str]]:
        return {
            pk: (code, full_name or name)
            for pk, code, full_name, name in PilotArea.objects.filter(pk__in=self.area_ids()).values_list(
                "pk", "region__code", "region__full_name", "region__name"
            )
        }

    def narrow(self, queryset, *, area: str = "area_id", provider: str | None = "provider_id"):
        queryset = queryset.filter(**{f"{area}__in": self.area_ids()})
        if self.provider is not None:
            if provider is None:
                raise DomainError(_("This report is per area; choose a national, provincial or area scope."))
            queryset = queryset.filter(**{provider: self.provider.pk})
        return queryset


def _date_range(queryset, filters: dict, field_name: str):
    if filters.get("date_from"):
        queryset = queryset.filter(**{f"{field_name}__gte": filters["date_from"]})
    if filters.get("date_to"):
        queryset = queryset.filter(**{f"{field_name}__lte": filters["date_to"]})
    return queryset


def _split(text: str | None) -> list[str]:
    return sorted(part for part in (text or "").split(GROUP_SEPARATOR) if part)


def _rate(part, whole) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"))


# --- Visit ledger -------------------------------------------------------------------------------

VISIT_COLUMNS = [
    C("服务编号", "int", 10),
    C("项目地区代码", width=10),
    C("项目地区", width=18),
    C("服务机构", width=22),
    C("服务人员", width=10),
    C("服务人员工号", width=10),
    C("服务对象编号", "int", 10),
    C("服务对象姓名", width=10),
    C("身份证号（脱敏）", width=20),
    C("服务类别", width=10),
    C("服务日期", "date", 11),
    C("开始时间", "datetime", 19),
    C("结束时间", "datetime", 19),
    C("时长（分钟）", "int", 8),
    C("签到纬度", "dec", 11),
    C("签到经度", "dec", 11),
    C("签退纬度", "dec", 11),
    C("签退经度", "dec", 11),
    C("满意度", width=8),
    C("状态", width=8),
    C("作废原因", width=16),
    C("费用确认时间", "datetime", 19),
    C("是否计入", width=8),
    C("不计入原因", width=30),
    C("异常及处理", width=40),
    C("录入时间", "datetime", 19),
]


def visit_rows_queryset(scope: Scope):
    """The visit ledger's query: visits as of the day, with their counting and their exceptions then."""
    exceptions = (
        exceptions_as_of(scope.end)
        .filter(visit_id=OuterRef("id"))
        .values("visit_id")
        .annotate(
            text=GroupConcat(
                Concat(
                    "type",
                    Value(":"),
                    "as_of_status",
                    Value(":"),
                    Coalesce("as_of_reason_code", Value(""), output_field=TextField()),
                    output_field=TextField(),
                )
            )
        )
        .values("text")
    )
    visits = scope.narrow(visits_as_of(scope.end))
    visits = _date_range(visits, scope.filters, "service_date")
    return visits.annotate(exception_text=Subquery(exceptions)).order_by("id")


def _exception_words(text: str | None) -> tuple[list[str], list[str]]:
    """All exceptions as "type（status，code）" and the holding ones as reasons."""
    listed, holding = [], []
    for part in _split(text):
        kind, status, code = (part.split(":") + ["", ""])[:3]
        listed.append(
            f"{v.word('exception_type', kind)}（{v.word('exception_status', status)}{'，' + code if code else ''}）"
        )
        if status in HOLDING_STATUSES:
            holding.append(
                v.REASON_EXCEPTION.format(
                    type=v.word("exception_type", kind), status=v.word("exception_status", status)
                )
            )
    return listed, holding


def visit_ledger(scope: Scope) -> Report:
    def rows():
        labels = scope.area_labels()
        query = visit_rows_queryset(scope).values_list(
            "id",
            "area_id",
            "provider__name",
            "caregiver__name",
            "caregiver__employee_number",
            "recipient_id",
            "recipient__name",
            "recipient__resident_id",
            "category__name",
            "service_date",
            "started_at",
            "ended_at",
            "checkin_latitude",
            "checkin_longitude",
            "checkout_latitude",
            "checkout_longitude",
            "satisfaction",
            "status",
            "void_reason",
            "fee_confirmed_at",
            "countable",
            "counting_visit",
            "exception_text",
            "created_at",
        )
        for (
            pk,
            area_id,
            provider,
            caregiver,
            employee_number,
            recipient_id,
            recipient_name,
            resident_id,
            category,
            service_date,
            started_at,
            ended_at,
            lat_in,
            lon_in,
            lat_out,
            lon_out,
            satisfaction,
            status,
            void_reason,
            fee_confirmed_at,
            countable,
            counting_visit,
            exception_text,
            created_at,
        ) in query.iterator(chunk_size=CHUNK_SIZE):
            listed, holding = _exception_words(exception_text)
            reasons = []
            if status == VisitStatus.VOIDED:
                reasons.append(v.REASON_VOIDED.format(reason=void_reason))
            reasons += holding
            counts = bool(countable) and counting_visit == pk
            if countable and not counts:
                reasons.append(v.REASON_NOT_FIRST.format(pk=counting_visit))
            code, name = labels.get(area_id, ("", ""))
            yield (
                pk,
                code,
                name,
                provider,
                caregiver,
                employee_number,
                recipient_id,
                recipient_name,
                mask_resident_id(resident_id),
                category,
                service_date,
                started_at,
                ended_at,
                int((ended_at - started_at).total_seconds() // 60),
                lat_in,
                lon_in,
                lat_out,
                lon_out,
                v.word("satisfaction", satisfaction),
                v.word("visit_status", status),
                void_reason,
                fee_confirmed_at,
                v.yes_no(counts),
                "；".join(reasons),
                "；".join(listed),
                created_at,
            )

    estimate = _date_range(scope.narrow(Visit.objects.all()), scope.filters, "service_date").count()
    return Report(ExportKind.VISITS, "上门服务台账", VISIT_COLUMNS, rows(), estimate)


# --- Recipient ledger ---------------------------------------------------------------------------

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


# --- Bed ledger ---------------------------------------------------------------------------------

BED_COLUMNS = [
    C("床位编号", "int", 8),
    C("项目地区代码", width=10),
    C("项目地区", width=18),
    C("服务对象编号", "int", 10),
    C("服务对象姓名", width=10),
    C("身份证号（脱敏）", width=20),
    C("状态", width=10),
    C("申请日期", "date", 11),
    C("一户一案签署日期", "date", 11),
    C("评估设计机构", width=18),
    C("改造机构", width=18),
    C("改造开始日期", "date", 11),
    C("改造完成日期", "date", 11),
    C("验收机构", width=18),
    C("验收日期", "date", 11),
    C("计入周期目标", width=8),
    C("服务开始日期", "date", 11),
    C("撤销日期", "date", 11),
    C("撤销原因", width=10),
    C("改造项目数", "int", 8),
    C("适老化改造费用（元）", "dec", 12),
    C("智能化改造费用（元）", "dec", 12),
    C("改造费用合计（元）", "dec", 12),
    C("超出单床费用上限", width=8),
    C("改造项目明细", width=40),
]


def bed_ledger(scope: Scope) -> Report:
    items = as_of_rows(RetrofitItem, scope.end).filter(bed_id=OuterRef("id")).values("bed_id")

    item_label = Concat("catalog_item__name", Value("×"), "quantity", output_field=TextField())

    def total(**condition):
        return Subquery(items.annotate(s=Sum("cost", filter=Q(**condition))).values("s"))

    def rows():
        labels = scope.area_labels()
        beds = scope.narrow(as_of_rows(FamilyCareBed, scope.end), provider="recipient__provider_id")
        beds = beds.annotate(
            item_count=Subquery(items.annotate(n=Sum("quantity")).values("n")),
            accessibility_cost=total(catalog_item__kind="accessibility"),
            smart_cost=total(catalog_item__kind="smart"),
            all_cost=total(),
            item_text=Subquery(items.annotate(t=GroupConcat(item_label)).values("t")),
        ).order_by("id")
        for row in beds.values_list(
            "id",
            "area_id",
            "recipient_id",
            "recipient__name",
            "recipient__resident_id",
            "status",
            "applied_on",
            "plan_signed_on",
            "design_provider__name",
            "retrofit_provider__name",
            "retrofit_started_on",
            "retrofit_finished_on",
            "acceptance_provider__name",
            "accepted_on",
            "service_started_on",
            "withdrawn_on",
            "withdrawal_reason",
            "item_count",
            "accessibility_cost",
            "smart_cost",
            "all_cost",
            "item_text",
            "area__cycle_start",
            "area__cycle_end",
            "area__batch__bed_cost_cap",
        ).iterator(chunk_size=CHUNK_SIZE):
            (pk, area_id, recipient_id, recipient_name, resident_id, status, applied_on, plan_signed_on) = row[:8]
            (design, retrofit, started, finished, acceptance, accepted_on, service_started) = row[8:15]
            (withdrawn_on, withdrawal_reason, item_count, accessibility, smart, cost, item_text) = row[15:22]
            cycle_start, cycle_end, cap = row[22:]
            # Accepted within the cycle by the as-of day, whatever the status now (withdrawn included).
            counts = bed_counts_toward_target(
                {"accepted_on": accepted_on}, cycle_start=cycle_start, cycle_end=cycle_end, as_of=scope.as_of
            )
            code, area_name = labels.get(area_id, ("", ""))
            yield (
                pk,
                code,
                area_name,
                recipient_id,
                recipient_name,
                mask_resident_id(resident_id),
                v.word("bed_status", status),
                applied_on,
                plan_signed_on,
                design,
                retrofit,
                started,
                finished,
                acceptance,
                accepted_on,
                v.yes_no(counts),
                service_started,
                withdrawn_on,
                v.word("withdrawal_reason", withdrawal_reason),
                item_count or 0,
                accessibility or Decimal(0),
                smart or Decimal(0),
                cost or Decimal(0),
                v.yes_no(cap is not None and (cost or 0) > cap),
                "；".join(_split(item_text)),
            )

    estimate = scope.narrow(FamilyCareBed.objects.all(), provider="recipient__provider_id").count()
    return Report(ExportKind.BEDS, "家庭养老床位台账", BED_COLUMNS, rows(), estimate)


# --- Exceptions and resolutions --------------------------------------------------------------------

EXCEPTION_COLUMNS = [
    C("异常编号", "int", 8),
    C("服务编号", "int", 10),
    C("项目地区代码", width=10),
    C("项目地区", width=18),
    C("服务机构", width=22),
    C("服务日期", "date", 11),
    C("异常类型", width=14),
    C("严重程度", width=6),
    C("说明", width=30),
    C("状态", width=12),
    C("处理原因代码", width=12),
    C("处理说明", width=24),
    C("处理时间", "datetime", 19),
    C("处理人", width=10),
    C("发现时间", "datetime", 19),
]


def exception_ledger(scope: Scope) -> Report:
    def rows():
        labels = scope.area_labels()
        exceptions = _date_range(scope.narrow(exceptions_as_of(scope.end)), scope.filters, "visit__service_date")
        for row in (
            exceptions.order_by("id")
            .values_list(
                "id",
                "visit_id",
                "area_id",
                "provider__name",
                "visit__service_date",
                "type",
                "severity",
                "as_of_detail",
                "as_of_status",
                "as_of_reason_code",
                "as_of_note",
                "as_of_resolved_at",
                "as_of_resolved_by",
                "created_at",
            )
            .iterator(chunk_size=CHUNK_SIZE)
        ):
            pk, visit_id, area_id, provider, service_date, kind, severity, detail, status = row[:9]
            reason_code, note, resolved_at, resolved_by, created_at = row[9:]
            code, area_name = labels.get(area_id, ("", ""))
            yield (
                pk,
                visit_id,
                code,
                area_name,
                provider,
                service_date,
                v.word("exception_type", kind),
                v.word("severity", severity),
                detail,
                v.word("exception_status", status),
                reason_code,
                note,
                resolved_at,
                resolved_by,
                created_at,
            )

    estimate = scope.narrow(VisitException.objects.all()).count()
    return Report(ExportKind.EXCEPTIONS, "异常及处理台账", EXCEPTION_COLUMNS, rows(), estimate)


# --- Fund disbursements -------------------------------------------------------------------------

DISBURSEMENT_COLUMNS = [
    C("拨付编号", "int", 8),
    C("项目地区代码", width=10),
    C("项目地区", width=18),
    C("拨付日期", "date", 11),
    C("用途", width=12),
    C("金额（元）", "dec", 14),
    C("收款方", width=24),
    C("凭证号", width=14),
]


def disbursement_ledger(scope: Scope) -> Report:
    def rows():
        labels = scope.area_labels()
        disbursements = scope.narrow(as_of_rows(Disbursement, scope.end), provider=None)
        disbursements = _date_range(disbursements.filter(paid_on__lte=scope.as_of), scope.filters, "paid_on")
        for pk, area_id, paid_on, use, amount, payee, voucher in (
            disbursements.order_by("paid_on", "id")
            .values_list("id", "area_id", "paid_on", "use", "amount", "payee", "voucher_number")
            .iterator(chunk_size=CHUNK_SIZE)
        ):
            code, area_name = labels.get(area_id, ("", ""))
            yield (pk, code, area_name, paid_on, v.word("fund_use", use), amount, payee, voucher)

    scope.narrow(PilotArea.objects.none(), area="pk", provider=None)  # refuses a provider scope up front
    return Report(ExportKind.DISBURSEMENTS, "资金拨付台账", DISBURSEMENT_COLUMNS, rows(), 0)


# --- Progress report ----------------------------------------------------------------------------

PROGRESS_COLUMNS = [
    C("项目地区代码", width=10),
    C("项目地区", width=18),
    C("批次", "int", 6),
    C("周期开始", "date", 11),
    C("周期结束", "date", 11),
    C("数据日期", "date", 11),
    C("目标人次", "int", 9),
    C("已达成人次", "int", 9),
    C("人次完成率（%）", "dec", 9),
    C("按进度应达人次", "int", 9),
    C("进度比（%）", "dec", 9),
    C("服务对象数", "int", 9),
    # Recipients with counted visits but below their batch's threshold (bands 1 to 3 of rollups.rules).
    C("进行中（已计入、未达1人次）", "int", 9),
    C("进度落后人数", "int", 9),
    C("计入服务次数", "int", 10),
    C("目标床位", "int", 9),
    C("已验收床位", "int", 9),
    C("床位完成率（%）", "dec", 9),
    C("满意度（%）", "dec", 9),
    C("下达资金（元）", "dec", 14),
    C("已拨付资金（元）", "dec", 14),
    C("资金执行率（%）", "dec", 9),
]
# Columns printed on the PDF (landscape A4 has room for about fourteen).
PROGRESS_PDF_COLUMNS = [0, 1, 5, 6, 7, 8, 9, 10, 13, 15, 16, 17, 18, 19, 20, 21]
SUMMED = ("target", "reached", "expected", "recipients", "in_progress", "at_risk", "counted", "target_beds", "beds")


def expected_by(target: int, cycle_start: dt.date | None, cycle_end: dt.date | None, day: dt.date) -> int:
    """The pace line's expectation by the end of `day` (rollups.rules.expected_by), in whole person-times."""
    return int(expected_by_rule(target, cycle_start, cycle_end, day).quantize(Decimal("1")))


def progress_report(scope: Scope) -> Report:
    scope.narrow(PilotArea.objects.none(), area="pk", provider=None)  # refuses a provider scope up front
    area_ids = scope.area_ids()

    def rows():
        latest_day = (
            AreaDailySnapshot.objects.filter(area_id=OuterRef("area_id"), day__lte=scope.as_of)
            .order_by("-day")
            .values("day")[:1]
        )
        snapshots = {
            snapshot.area_id: snapshot
            for snapshot in AreaDailySnapshot.objects.filter(area_id__in=area_ids, day=Subquery(latest_day))
        }
        totals = dict.fromkeys(SUMMED, 0) | {
            "rated": 0,
            "satisfied": 0,
            "allocated": Decimal(0),
            "disbursed": Decimal(0),
        }
        areas = (
            PilotArea.objects.filter(pk__in=area_ids)
            .select_related("region", "batch")
            .order_by("batch__year", "region__code")
        )
        for area in areas:
            snap = snapshots.get(area.pk)
            figures = {
                "target": area.target_person_times,
                "reached": snap.person_times_reached if snap else 0,
                "expected": expected_by(area.target_person_times, area.cycle_start, area.cycle_end, scope.as_of),
                "recipients": snap.recipients if snap else 0,
                "in_progress": sum(getattr(snap, band) for band in BAND_FIELDS) if snap else 0,
                "at_risk": snap.at_risk if snap else 0,
                "counted": snap.counted_visits if snap else 0,
                "target_beds": area.target_beds,
                "beds": snap.beds_accepted if snap else 0,
                "rated": snap.rated_visits if snap else 0,
                "satisfied": snap.satisfied_visits if snap else 0,
                "allocated": snap.funds_allocated if snap else Decimal(0),
                "disbursed": snap.funds_disbursed if snap else Decimal(0),
            }
            for name in totals:
                totals[name] += figures[name]
            yield _progress_row(
                area.code,
                str(area.region),
                area.batch.year,
                area.cycle_start,
                area.cycle_end,
                snap.day if snap else None,
                figures,
            )
        yield _progress_row("合计", "范围内合计", None, None, None, None, totals)

    return Report(
        ExportKind.PROGRESS, "项目进度报告", PROGRESS_COLUMNS, rows(), len(area_ids) + 1, PROGRESS_PDF_COLUMNS
    )


def _progress_row(code, name, year, cycle_start, cycle_end, day, f) -> tuple:
    return (
        code,
        name,
        year,
        cycle_start,
        cycle_end,
        day,
        f["target"],
        f["reached"],
        _rate(f["reached"], f["target"]),
        f["expected"],
        _rate(f["reached"], f["expected"]),
        f["recipients"],
        f["in_progress"],
        f["at_risk"],
        f["counted"],
        f["target_beds"],
        f["beds"],
        _rate(f["beds"], f["target_beds"]),
        _rate(f["satisfied"], f["rated"]),
        f["allocated"],
        f["disbursed"],
        _rate(f["disbursed"], f["allocated"]),
    )


BUILDERS = {
    ExportKind.PROGRESS: progress_report,
    ExportKind.RECIPIENTS: recipient_ledger,
    ExportKind.VISITS: visit_ledger,
    ExportKind.BEDS: bed_ledger,
    ExportKind.EXCEPTIONS: exception_ledger,
    ExportKind.DISBURSEMENTS: disbursement_ledger,
}


def build_report(kind: str, scope: Scope) -> Report:
    return BUILDERS[kind](scope)
