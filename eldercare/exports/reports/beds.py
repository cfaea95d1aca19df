"""The family care bed ledger (家庭养老床位台账), with whether each bed counts toward the target (beds.rules)."""

from decimal import Decimal

from django.db.models import OuterRef, Q, Subquery, Sum, TextField, Value
from django.db.models.functions import Concat

from eldercare.beds.models import FamilyCareBed, RetrofitItem
from eldercare.beds.rules import bed_counts_toward_target

from .. import vocabulary as v
from ..models import ExportKind
from ..selectors import GroupConcat, as_of_rows
from .base import (
    AREA_CODE,
    AREA_NAME,
    COUNT,
    MONEY,
    Column,
    Ledger,
    Report,
    Scope,
    Source,
    _split,
    derived,
    masked,
    or_zero,
    word,
)


def _money(name: str) -> Source:
    return Source((name,), lambda row, _context: row[name] or Decimal(0))


def _over_cap(row, _context) -> str:
    cap = row["area__batch__bed_cost_cap"]
    return v.yes_no(cap is not None and (row["all_cost"] or 0) > cap)


BEDS = Ledger(
    ExportKind.BEDS,
    "家庭养老床位台账",
    (
        Column("床位编号", "int", 8, "id"),
        Column("项目地区代码", "str", 10, AREA_CODE),
        Column("项目地区", "str", 18, AREA_NAME),
        Column("服务对象编号", "int", 10, "recipient_id"),
        Column("服务对象姓名", "str", 10, "recipient__name"),
        Column("身份证号（脱敏）", "str", 20, masked("recipient__resident_id")),
        Column("状态", "str", 10, word("bed_status", "status")),
        Column("申请日期", "date", 11, "applied_on"),
        Column("一户一案签署日期", "date", 11, "plan_signed_on"),
        Column("评估设计机构", "str", 18, "design_provider__name"),
        Column("改造机构", "str", 18, "retrofit_provider__name"),
        Column("改造开始日期", "date", 11, "retrofit_started_on"),
        Column("改造完成日期", "date", 11, "retrofit_finished_on"),
        Column("验收机构", "str", 18, "acceptance_provider__name"),
        Column("验收日期", "date", 11, "accepted_on"),
        Column("计入周期目标", "str", 8, derived("counts")),
        Column("服务开始日期", "date", 11, "service_started_on"),
        Column("撤销日期", "date", 11, "withdrawn_on"),
        Column("撤销原因", "str", 10, word("withdrawal_reason", "withdrawal_reason")),
        Column("改造项目数", "int", 8, or_zero("item_count"), COUNT),
        Column("适老化改造费用（元）", "dec", 12, _money("accessibility_cost"), MONEY),
        Column("智能化改造费用（元）", "dec", 12, _money("smart_cost"), MONEY),
        Column("改造费用合计（元）", "dec", 12, _money("all_cost"), MONEY),
        Column("超出单床费用上限", "str", 8, Source(("all_cost", "area__batch__bed_cost_cap"), _over_cap)),
        Column("改造项目明细", "str", 40, Source(("item_text",), lambda row, _c: "；".join(_split(row["item_text"])))),
    ),
    also_fetch=("accepted_on", "area__cycle_start", "area__cycle_end"),
)
BED_COLUMNS = list(BEDS.columns)


def bed_ledger(scope: Scope) -> Report:
    items = as_of_rows(RetrofitItem, scope.end).filter(bed_id=OuterRef("id")).values("bed_id")

    item_label = Concat("catalog_item__name", Value("×"), "quantity", output_field=TextField())

    def total(**condition):
        return Subquery(items.annotate(s=Sum("cost", filter=Q(**condition))).values("s"))

    def counts(row: dict) -> None:
        # Accepted within the cycle by the as-of day, whatever the status now (withdrawn included).
        row["counts"] = v.yes_no(
            bed_counts_toward_target(
                {"accepted_on": row["accepted_on"]},
                cycle_start=row["area__cycle_start"],
                cycle_end=row["area__cycle_end"],
                as_of=scope.as_of,
            )
        )

    def rows():
        beds = scope.narrow(as_of_rows(FamilyCareBed, scope.end), provider="recipient__provider_id")
        beds = beds.annotate(
            item_count=Subquery(items.annotate(n=Sum("quantity")).values("n")),
            accessibility_cost=total(catalog_item__kind="accessibility"),
            smart_cost=total(catalog_item__kind="smart"),
            all_cost=total(),
            item_text=Subquery(items.annotate(t=GroupConcat(item_label)).values("t")),
        ).order_by("id")
        yield from BEDS.rows(BEDS.query(beds), scope.context(), step=counts)

    estimate = scope.narrow(FamilyCareBed.objects.all(), provider="recipient__provider_id").count()
    return Report(BEDS.kind, BEDS.title, BED_COLUMNS, rows(), estimate)
