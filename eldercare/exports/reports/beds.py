"""The family care bed ledger (家庭养老床位台账), with whether each bed counts toward the target (beds.rules)."""

from decimal import Decimal

from django.db.models import OuterRef, Q, Subquery, Sum, TextField, Value
from django.db.models.functions import Concat

from eldercare.beds.models import FamilyCareBed, RetrofitItem
from eldercare.beds.rules import bed_counts_toward_target
from eldercare.core.masking import mask_resident_id

from .. import vocabulary as v
from ..models import ExportKind
from ..selectors import GroupConcat, as_of_rows
from .base import CHUNK_SIZE, C, Report, Scope, _split

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
