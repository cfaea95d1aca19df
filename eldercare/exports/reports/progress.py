"""The progress report (项目进度报告) from the roll-ups' daily snapshots, and the fund disbursement ledger."""

import datetime as dt
from decimal import Decimal

from django.db.models import OuterRef, Subquery

from eldercare.areas.models import Disbursement, PilotArea
from eldercare.rollups.models import AreaDailySnapshot
from eldercare.rollups.rules import BAND_FIELDS
from eldercare.rollups.rules import expected_by as expected_by_rule

from .. import vocabulary as v
from ..models import ExportKind
from ..selectors import as_of_rows
from .base import CHUNK_SIZE, C, Report, Scope, _date_range, _rate

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
