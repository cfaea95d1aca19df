"""Fee confirmation exports in the national platform's column order: the confirmation sheet
(服务费用确认单) and, per older person, the visit history (居家养老上门服务历史表) and the fee history
(历史费用表). Rows are grouped by person (their ID number, then time), so each person's history is one
block; a scope of one provider or area narrows them as in every ledger. The filters `recipient_id`
(one person's history) and `sheet_id` (one sheet) narrow further, when the export request passes
them (exports.services.FILTER_KEYS decides which filters a request keeps).

Columns (in this order)
    服务费用确认单: 序号, 结算月份, 项目地区代码, 项目地区, 服务机构, 统一社会信用代码, 服务编号, 服务对象姓名,
        身份证号（脱敏）, 街道（乡镇）, 服务类别, 服务人员, 服务日期, 开始时间, 结束时间, 服务时长（分钟）,
        确认结果, 作废原因, 备注, 服务费用（元）, 确认单状态, 确认人, 确认时间
    居家养老上门服务历史表: 服务对象姓名, 身份证号（脱敏）, 项目地区代码, 项目地区, 街道（乡镇）, 服务编号,
        服务机构, 服务人员, 服务类别, 服务日期, 开始时间, 结束时间, 服务时长（分钟）, 满意度, 服务状态,
        作废原因, 费用确认状态, 费用确认时间
    历史费用表: 服务对象姓名, 身份证号（脱敏）, 项目地区代码, 项目地区, 服务机构, 结算月份, 服务编号, 服务日期,
        服务类别, 服务时长（分钟）, 确认结果, 作废原因, 服务费用（元）, 确认时间, 确认人

As of the day: visits are read from their history rows then (as the visit ledger does); a sheet's
lines appear once the sheet existed, a line's decision once taken, and a sheet counts as confirmed
(with its fee) only when confirmed by the end of the day. A confirmed sheet never changes again, so
what was confirmed on a day reads the same in every later export. The fee of a confirmed line is the
sheet's fee per visit; a voided or undecided line pays nothing.
"""

from django.db.models import F

from eldercare.fees.models import (
    DECISION_WORDS,
    SHEET_STATE_WORDS,
    VOID_REASON_WORDS,
    FeeSheetLine,
    LineDecision,
    SheetState,
)
from eldercare.visits.models import Visit

from ..models import ExportKind
from ..selectors import as_of_rows
from .base import AREA_CODE, AREA_NAME, COUNT, Column, Ledger, Report, Scope, Source, _date_range, masked, word


def _minutes(prefix: str = "") -> Source:
    started, ended = f"{prefix}started_at", f"{prefix}ended_at"
    return Source((started, ended), lambda row, _c: int((row[ended] - row[started]).total_seconds() // 60))


def _confirmed_by_end(row, end) -> bool:
    return row["sheet__confirmed_at"] is not None and row["sheet__confirmed_at"] < end


def _month(row, _context) -> str:
    return f"{row['sheet__month']:%Y-%m}"


def _void_reason(row, _context) -> str:
    return VOID_REASON_WORDS.get(row["void_reason"], "") if row["decision"] == LineDecision.VOIDED else ""


LINE_FIELDS = ("decision", "void_reason", "decided_at", "sheet__confirmed_at", "sheet__unit_fee")


def _line_sources(end):
    """The sources that read a line as of the day: its decision, its fee, the sheet's state."""

    def decision(row, _context) -> str:
        decided = row["decided_at"] is not None and row["decided_at"] < end
        return DECISION_WORDS[LineDecision(row["decision"]) if decided else LineDecision.PENDING]

    def fee(row, _context):
        if _confirmed_by_end(row, end) and row["decision"] == LineDecision.CONFIRMED:
            return row["sheet__unit_fee"]
        return None

    def state(row, _context) -> str:
        return SHEET_STATE_WORDS[SheetState.CONFIRMED if _confirmed_by_end(row, end) else SheetState.DRAFT]

    def confirmed_at(row, _context):
        return row["sheet__confirmed_at"] if _confirmed_by_end(row, end) else None

    def confirmed_by(row, _context) -> str:
        return (row["sheet__confirmed_by__username"] or "") if _confirmed_by_end(row, end) else ""

    return {
        "decision": Source(LINE_FIELDS, decision),
        "fee": Source(LINE_FIELDS, fee),
        "state": Source(LINE_FIELDS, state),
        "confirmed_at": Source(LINE_FIELDS, confirmed_at),
        "confirmed_by": Source((*LINE_FIELDS, "sheet__confirmed_by__username"), confirmed_by),
    }


def _fee_sheet_ledger(end) -> Ledger:
    line = _line_sources(end)
    return Ledger(
        ExportKind.FEE_SHEETS,
        "服务费用确认单",
        (
            Column("序号", "int", 6, Source((), lambda row, _c: row["number"])),
            Column("结算月份", "str", 8, Source(("sheet__month",), _month)),
            Column("项目地区代码", "str", 10, AREA_CODE),
            Column("项目地区", "str", 18, AREA_NAME),
            Column("服务机构", "str", 22, "sheet__provider__name"),
            Column("统一社会信用代码", "str", 20, "sheet__provider__credit_code"),
            Column("服务编号", "int", 10, "visit_id"),
            Column("服务对象姓名", "str", 10, "visit__recipient__name"),
            Column("身份证号（脱敏）", "str", 20, masked("visit__recipient__resident_id")),
            Column("街道（乡镇）", "str", 12, "visit__recipient__township__name"),
            Column("服务类别", "str", 10, "visit__category__name"),
            Column("服务人员", "str", 10, "visit__caregiver__name"),
            Column("服务日期", "date", 11, "visit__service_date"),
            Column("开始时间", "datetime", 19, "visit__started_at"),
            Column("结束时间", "datetime", 19, "visit__ended_at"),
            Column("服务时长（分钟）", "int", 8, _minutes("visit__"), COUNT),
            Column("确认结果", "str", 8, line["decision"]),
            Column("作废原因", "str", 10, Source(("decision", "void_reason"), _void_reason)),
            Column("备注", "str", 20, "note"),
            Column("服务费用（元）", "dec", 10, line["fee"]),
            Column("确认单状态", "str", 8, line["state"]),
            Column("确认人", "str", 10, line["confirmed_by"]),
            Column("确认时间", "datetime", 19, line["confirmed_at"]),
        ),
    )


def _fee_history_ledger(end) -> Ledger:
    line = _line_sources(end)
    return Ledger(
        ExportKind.FEE_HISTORY,
        "历史费用表",
        (
            Column("服务对象姓名", "str", 10, "visit__recipient__name"),
            Column("身份证号（脱敏）", "str", 20, masked("visit__recipient__resident_id")),
            Column("项目地区代码", "str", 10, AREA_CODE),
            Column("项目地区", "str", 18, AREA_NAME),
            Column("服务机构", "str", 22, "sheet__provider__name"),
            Column("结算月份", "str", 8, Source(("sheet__month",), _month)),
            Column("服务编号", "int", 10, "visit_id"),
            Column("服务日期", "date", 11, "visit__service_date"),
            Column("服务类别", "str", 10, "visit__category__name"),
            Column("服务时长（分钟）", "int", 8, _minutes("visit__"), COUNT),
            Column("确认结果", "str", 8, line["decision"]),
            Column("作废原因", "str", 10, Source(("decision", "void_reason"), _void_reason)),
            Column("服务费用（元）", "dec", 10, line["fee"]),
            Column("确认时间", "datetime", 19, line["confirmed_at"]),
            Column("确认人", "str", 10, line["confirmed_by"]),
        ),
    )


def _fee_status(row, _context) -> str:
    if row["status"] == "voided":
        return "已作废"
    return "已确认" if row["fee_confirmed_at"] is not None else "未确认"


VISIT_HISTORY = Ledger(
    ExportKind.VISIT_HISTORY,
    "居家养老上门服务历史表",
    (
        Column("服务对象姓名", "str", 10, "recipient__name"),
        Column("身份证号（脱敏）", "str", 20, masked("recipient__resident_id")),
        Column("项目地区代码", "str", 10, AREA_CODE),
        Column("项目地区", "str", 18, AREA_NAME),
        Column("街道（乡镇）", "str", 12, "recipient__township__name"),
        Column("服务编号", "int", 10, "id"),
        Column("服务机构", "str", 22, "provider__name"),
        Column("服务人员", "str", 10, "caregiver__name"),
        Column("服务类别", "str", 10, "category__name"),
        Column("服务日期", "date", 11, "service_date"),
        Column("开始时间", "datetime", 19, "started_at"),
        Column("结束时间", "datetime", 19, "ended_at"),
        Column("服务时长（分钟）", "int", 8, _minutes(), COUNT),
        Column("满意度", "str", 8, word("satisfaction", "satisfaction")),
        Column("服务状态", "str", 8, word("visit_status", "status")),
        Column("作废原因", "str", 16, "void_reason"),
        Column("费用确认状态", "str", 8, Source(("status", "fee_confirmed_at"), _fee_status)),
        Column("费用确认时间", "datetime", 19, "fee_confirmed_at"),
    ),
)
VISIT_HISTORY_COLUMNS = list(VISIT_HISTORY.columns)
# The fee ledgers read the as-of day in their sources; these copies (any day) give their columns.
FEE_SHEETS = _fee_sheet_ledger(None)
FEE_HISTORY = _fee_history_ledger(None)
FEE_SHEET_COLUMNS = list(FEE_SHEETS.columns)
FEE_HISTORY_COLUMNS = list(FEE_HISTORY.columns)


def _recipient_filter(queryset, scope: Scope, field: str):
    recipient = scope.filters.get("recipient_id")
    return queryset.filter(**{field: recipient}) if recipient else queryset


def _lines(scope: Scope):
    lines = FeeSheetLine.objects.filter(sheet__created_at__lt=scope.end)
    lines = scope.narrow(lines, area="sheet__area_id", provider="sheet__provider_id")
    lines = _date_range(lines, scope.filters, "visit__service_date")
    if scope.filters.get("sheet_id"):
        lines = lines.filter(sheet_id=scope.filters["sheet_id"])
    return _recipient_filter(lines, scope, "visit__recipient_id").annotate(area_id=F("sheet__area_id"))


def fee_sheet_ledger(scope: Scope) -> Report:
    ledger = _fee_sheet_ledger(scope.end)
    counter = iter(range(1, 2**62))

    def number(row: dict) -> None:
        row["number"] = next(counter)

    def rows():
        ordered = _lines(scope).order_by(
            "sheet__month", "sheet__area_id", "sheet__provider_id", "visit__service_date", "visit__started_at", "pk"
        )
        yield from ledger.rows(ledger.query(ordered), scope.context(), step=number)

    return Report(ledger.kind, ledger.title, list(ledger.columns), rows(), _lines(scope).count())


def fee_history_ledger(scope: Scope) -> Report:
    ledger = _fee_history_ledger(scope.end)

    def rows():
        ordered = _lines(scope).order_by("visit__recipient__resident_id", "visit__started_at", "pk")
        yield from ledger.rows(ledger.query(ordered), scope.context())

    return Report(ledger.kind, ledger.title, list(ledger.columns), rows(), _lines(scope).count())


def visit_history_ledger(scope: Scope) -> Report:
    def visits():
        rows = _date_range(scope.narrow(as_of_rows(Visit, scope.end)), scope.filters, "service_date")
        return _recipient_filter(rows, scope, "recipient_id")

    def rows():
        ordered = visits().order_by("recipient__resident_id", "started_at", "id")
        yield from VISIT_HISTORY.rows(VISIT_HISTORY.query(ordered), scope.context())

    return Report(VISIT_HISTORY.kind, VISIT_HISTORY.title, VISIT_HISTORY_COLUMNS, rows(), visits().count())
