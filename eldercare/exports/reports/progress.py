"""The progress report (项目进度报告) from the roll-ups' daily snapshots, and the fund disbursement ledger.

Both carry totals for the whole report, computed while the rows stream and written beside the data
(never as a data row: a sort or a sum over the table would take them in).
"""

import datetime as dt
from decimal import Decimal

from django.db.models import OuterRef, Subquery

from eldercare.areas.models import Disbursement, PilotArea
from eldercare.rollups.models import AreaDailySnapshot
from eldercare.rollups.rules import BAND_FIELDS
from eldercare.rollups.rules import expected_by as expected_by_rule

from ..models import ExportKind
from ..selectors import as_of_rows
from .base import (
    AREA_CODE,
    AREA_NAME,
    COUNT,
    MONEY,
    RATE,
    Column,
    Ledger,
    Report,
    Scope,
    Source,
    _date_range,
    _rate,
    word,
)

# --- Fund disbursements -------------------------------------------------------------------------

DISBURSEMENTS = Ledger(
    ExportKind.DISBURSEMENTS,
    "资金拨付台账",
    (
        Column("拨付编号", "int", 8, "id"),
        Column("项目地区代码", "str", 10, AREA_CODE),
        Column("项目地区", "str", 18, AREA_NAME),
        Column("拨付日期", "date", 11, "paid_on"),
        Column("用途", "str", 12, word("fund_use", "use")),
        Column("金额（元）", "dec", 14, "amount", MONEY),
        Column("收款方", "str", 24, "payee"),
        Column("凭证号", "str", 14, "voucher_number"),
    ),
)
DISBURSEMENT_COLUMNS = list(DISBURSEMENTS.columns)


def disbursement_ledger(scope: Scope) -> Report:
    paid = [Decimal(0)]

    def add(row: dict) -> None:
        paid[0] += row["amount"]

    def rows():
        disbursements = scope.narrow(as_of_rows(Disbursement, scope.end), provider=None)
        disbursements = _date_range(disbursements.filter(paid_on__lte=scope.as_of), scope.filters, "paid_on")
        records = DISBURSEMENTS.query(disbursements.order_by("paid_on", "id"))
        yield from DISBURSEMENTS.rows(records, scope.context(), step=add)

    def totals() -> tuple:
        return tuple(paid[0] if column.label == "金额（元）" else None for column in DISBURSEMENT_COLUMNS)

    scope.narrow(PilotArea.objects.none(), area="pk", provider=None)  # refuses a provider scope up front
    return Report(DISBURSEMENTS.kind, DISBURSEMENTS.title, DISBURSEMENT_COLUMNS, rows(), 0, totals=totals)


# --- Progress report ----------------------------------------------------------------------------


def _of(key: str) -> Source:
    return Source((), lambda row, _context: row[key])


def _rate_of(part: str, whole: str) -> Source:
    return Source((), lambda row, _context: _rate(row[part], row[whole]))


PROGRESS = Ledger(
    ExportKind.PROGRESS,
    "项目进度报告",
    (
        Column("项目地区代码", "str", 10, AREA_CODE),
        Column("项目地区", "str", 18, AREA_NAME),
        Column("批次", "int", 6, _of("year")),
        Column("周期开始", "date", 11, _of("cycle_start")),
        Column("周期结束", "date", 11, _of("cycle_end")),
        Column("数据日期", "date", 11, _of("day")),
        Column("目标人次", "int", 9, _of("target"), COUNT),
        Column("已达成人次", "int", 9, _of("reached"), COUNT),
        Column("人次完成率（%）", "dec", 9, _rate_of("reached", "target"), RATE),
        Column("按进度应达人次", "int", 9, _of("expected"), COUNT),
        Column("进度比（%）", "dec", 9, _rate_of("reached", "expected"), RATE),
        Column("服务对象数", "int", 9, _of("recipients"), COUNT),
        # Recipients with counted visits but below their batch's threshold (bands 1 to 3 of rollups.rules).
        Column("进行中（已计入、未达1人次）", "int", 9, _of("in_progress"), COUNT),
        Column("进度落后人数", "int", 9, _of("at_risk"), COUNT),
        Column("计入服务次数", "int", 10, _of("counted"), COUNT),
        Column("目标床位", "int", 9, _of("target_beds"), COUNT),
        Column("已验收床位", "int", 9, _of("beds"), COUNT),
        Column("床位完成率（%）", "dec", 9, _rate_of("beds", "target_beds"), RATE),
        Column("满意度（%）", "dec", 9, _rate_of("satisfied", "rated"), RATE),
        Column("下达资金（元）", "dec", 14, _of("allocated"), MONEY),
        Column("已拨付资金（元）", "dec", 14, _of("disbursed"), MONEY),
        Column("资金执行率（%）", "dec", 9, _rate_of("disbursed", "allocated"), RATE),
    ),
)
PROGRESS_COLUMNS = list(PROGRESS.columns)
# Columns printed on the PDF (landscape A4 has room for about sixteen).
PROGRESS_PDF_COLUMNS = [0, 1, 5, 6, 7, 8, 9, 10, 13, 15, 16, 17, 18, 19, 20, 21]
SUMMED = (
    "target",
    "reached",
    "expected",
    "recipients",
    "in_progress",
    "at_risk",
    "counted",
    "target_beds",
    "beds",
    "rated",
    "satisfied",
    "allocated",
    "disbursed",
)


def expected_by(target: int, cycle_start: dt.date | None, cycle_end: dt.date | None, day: dt.date) -> int:
    """The pace line's expectation by the end of `day` (rollups.rules.expected_by), in whole person-times."""
    return int(expected_by_rule(target, cycle_start, cycle_end, day).quantize(Decimal("1")))


def progress_report(scope: Scope) -> Report:
    scope.narrow(PilotArea.objects.none(), area="pk", provider=None)  # refuses a provider scope up front
    area_ids = scope.area_ids()
    sums = dict.fromkeys(SUMMED, 0) | {"allocated": Decimal(0), "disbursed": Decimal(0)}

    def records():
        latest_day = (
            AreaDailySnapshot.objects.filter(area_id=OuterRef("area_id"), day__lte=scope.as_of)
            .order_by("-day")
            .values("day")[:1]
        )
        snapshots = {
            snapshot.area_id: snapshot
            for snapshot in AreaDailySnapshot.objects.filter(area_id__in=area_ids, day=Subquery(latest_day))
        }
        areas = (
            PilotArea.objects.filter(pk__in=area_ids)
            .select_related("region", "batch")
            .order_by("batch__year", "region__code")
        )
        for area in areas:
            snap = snapshots.get(area.pk)
            figures = {
                "area_id": area.pk,
                "year": area.batch.year,
                "cycle_start": area.cycle_start,
                "cycle_end": area.cycle_end,
                "day": snap.day if snap else None,
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
            for name in SUMMED:
                sums[name] += figures[name]
            yield figures

    def rows():
        yield from PROGRESS.rows(records(), scope.context())

    def totals() -> tuple:
        # The same columns over the sums: rates of the sums, never sums of rates; no dates.
        whole = sums | {"area_id": None, "year": None, "cycle_start": None, "cycle_end": None, "day": None}
        row = next(PROGRESS.rows([whole], scope.context()))
        return (None, "范围内合计", *row[2:])

    return Report(
        PROGRESS.kind, PROGRESS.title, PROGRESS_COLUMNS, rows(), len(area_ids), PROGRESS_PDF_COLUMNS, totals=totals
    )
