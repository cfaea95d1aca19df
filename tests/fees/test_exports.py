"""The fee exports as XLSX in the platform's column order (服务费用确认单, 居家养老上门服务历史表, 历史费用表),
written by the export job and read back with openpyxl."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from eldercare.accounts.models import Role
from eldercare.exports.models import ExportFormat, ExportKind
from eldercare.exports.reports import LEDGERS, ledger_with_header
from eldercare.exports.services import export_request, export_run
from eldercare.fees.models import LineDecision, VoidReason
from eldercare.fees.services import fee_line_decide, fee_sheet_confirm, fee_sheet_prepare
from tests.factories import make_user

SHEET_COLUMNS = [
    "序号", "结算月份", "项目地区代码", "项目地区", "服务机构", "统一社会信用代码", "服务编号", "服务对象姓名",
    "身份证号（脱敏）", "街道（乡镇）", "服务类别", "服务人员", "服务日期", "开始时间", "结束时间", "服务时长（分钟）",
    "确认结果", "作废原因", "备注", "服务费用（元）", "确认单状态", "确认人", "确认时间",
]  # fmt: skip
VISIT_HISTORY_COLUMNS = [
    "服务对象姓名", "身份证号（脱敏）", "项目地区代码", "项目地区", "街道（乡镇）", "服务编号", "服务机构", "服务人员",
    "服务类别", "服务日期", "开始时间", "结束时间", "服务时长（分钟）", "满意度", "服务状态", "作废原因",
    "费用确认状态", "费用确认时间",
]  # fmt: skip
FEE_HISTORY_COLUMNS = [
    "服务对象姓名", "身份证号（脱敏）", "项目地区代码", "项目地区", "服务机构", "结算月份", "服务编号", "服务日期",
    "服务类别", "服务时长（分钟）", "确认结果", "作废原因", "服务费用（元）", "确认时间", "确认人",
]  # fmt: skip


@pytest.fixture(autouse=True)
def export_root(settings, tmp_path):
    settings.EXPORT_ROOT = tmp_path / "exports"
    return settings.EXPORT_ROOT


@pytest.fixture
def confirmed(world):
    """July confirmed at 40 元 a visit, one visit voided as overtime; the other provider's sheet left in draft."""
    sheet = fee_sheet_prepare(
        provider=world.provider, area=world.area, month=dt.date(2023, 7, 1), user=world.official, unit_fee=Decimal(40)
    )
    for line in sheet.lines.all():
        if line.visit_id == world.july[1].pk:
            fee_line_decide(line=line, decision=LineDecision.VOIDED, reason=VoidReason.OVERTIME, user=world.official)
        else:
            fee_line_decide(line=line, decision=LineDecision.CONFIRMED, user=world.official)
    fee_sheet_confirm(sheet=sheet, user=world.official)
    fee_sheet_prepare(provider=world.other_provider, area=world.area, month=dt.date(2023, 7, 1), user=world.official)
    return sheet


def exported(user, kind, filters=None) -> list[list]:
    job = export_request(
        user=user,
        kind=kind,
        fmt=ExportFormat.XLSX,
        scope_level="national",
        as_of=timezone.localdate(),
        filters=filters,
        enqueue=False,
    )
    job = export_run(job.pk)
    assert job.status == "done", job.error
    sheet = load_workbook(job.file.path)["数据"]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_the_confirmation_sheet_has_the_platforms_columns_and_a_row_per_line(world, confirmed):
    table = exported(world.official, ExportKind.FEE_SHEETS)
    assert table[0] == SHEET_COLUMNS
    assert ledger_with_header(SHEET_COLUMNS) is LEDGERS[ExportKind.FEE_SHEETS]
    rows = [dict(zip(table[0], row, strict=True)) for row in table[1:]]
    assert len(rows) == 4  # three July lines of the confirmed sheet, one of the other provider's draft
    assert [row["序号"] for row in rows] == [1, 2, 3, 4]
    mine = [row for row in rows if row["服务机构"] == world.provider.name]
    assert sorted(row["确认结果"] for row in mine) == ["作废", "确认", "确认"]
    voided = next(row for row in mine if row["确认结果"] == "作废")
    assert (voided["作废原因"], voided["服务费用（元）"], voided["服务编号"]) == ("超时", None, world.july[1].pk)
    assert {row["服务费用（元）"] for row in mine if row["确认结果"] == "确认"} == {40}
    assert {row["确认单状态"] for row in mine} == {"已确认"} and mine[0]["确认人"] == "district"
    draft = next(row for row in rows if row["服务机构"] == world.other_provider.name)
    assert (draft["确认结果"], draft["确认单状态"], draft["服务费用（元）"]) == ("待确认", "待确认", None)
    assert all(row["结算月份"] == "2023-07" and "*" in row["身份证号（脱敏）"] for row in rows)


def test_the_visit_history_lists_every_visit_of_each_person_in_one_block(world, confirmed):
    table = exported(world.official, ExportKind.VISIT_HISTORY)
    assert table[0] == VISIT_HISTORY_COLUMNS
    rows = [dict(zip(table[0], row, strict=True)) for row in table[1:]]
    assert len(rows) == 5  # every visit of the area, August's and the other provider's included
    people = [row["服务对象姓名"] for row in rows]
    assert all(
        people.index(name) + people.count(name) - 1 == len(people) - 1 - people[::-1].index(name) for name in people
    )
    by_visit = {row["服务编号"]: row for row in rows}
    assert (by_visit[world.july[0].pk]["费用确认状态"], by_visit[world.july[1].pk]["费用确认状态"]) == (
        "已确认",
        "已作废",
    )
    assert by_visit[world.july[1].pk]["服务状态"] == "已作废" and "超时" in by_visit[world.july[1].pk]["作废原因"]
    assert by_visit[world.august.pk]["费用确认状态"] == "未确认"


def test_the_fee_history_has_a_row_per_sheet_line_and_narrows_to_one_person(world, confirmed):
    table = exported(world.official, ExportKind.FEE_HISTORY)
    assert table[0] == FEE_HISTORY_COLUMNS
    assert len(table) - 1 == 4
    person = world.recipients[0]
    rows = [dict(zip(table[0], row, strict=True)) for row in table[1:] if row[0] == person.name]
    assert [row["服务编号"] for row in rows] == [world.july[0].pk, world.july[1].pk]
    assert [row["服务费用（元）"] for row in rows] == [40, None]


def test_provider_staff_cannot_export_and_an_auditor_of_another_area_sees_no_row(world, confirmed):
    from eldercare.core.errors import DomainError
    from tests.factories import PilotAreaFactory

    with pytest.raises(DomainError):
        exported(world.staff, ExportKind.FEE_SHEETS)
    stranger = make_user("auditor-elsewhere", Role.AUDITOR, area=PilotAreaFactory())
    assert exported(stranger, ExportKind.FEE_SHEETS)[1:] == []


def test_one_persons_history_and_one_sheet_are_narrowed_by_their_filters(world, confirmed):
    from eldercare.exports.reports import Scope, build_report
    from eldercare.exports.selectors import resolve_scope

    areas, provider, _label = resolve_scope(world.official, "national")

    def rows(kind, **filters):
        scope = Scope(areas=areas, provider=provider, as_of=timezone.localdate(), filters=filters)
        return list(build_report(kind, scope).rows)

    person = world.recipients[0]
    visits = rows(ExportKind.VISIT_HISTORY, recipient_id=person.pk)
    assert len(visits) == 3 and {row[0] for row in visits} == {person.name}
    assert len(rows(ExportKind.FEE_HISTORY, recipient_id=person.pk)) == 2
    assert len(rows(ExportKind.FEE_SHEETS, sheet_id=confirmed.pk)) == 3


def test_a_sheet_reads_as_confirmed_only_from_the_day_it_was_confirmed(world, time_machine):
    from eldercare.exports.reports import Scope, build_report
    from eldercare.exports.selectors import resolve_scope

    tz = timezone.get_default_timezone()
    time_machine.move_to(dt.datetime(2023, 8, 10, 10, tzinfo=tz))
    sheet = fee_sheet_prepare(
        provider=world.provider, area=world.area, month=dt.date(2023, 7, 1), user=world.official, unit_fee=Decimal(30)
    )
    for line in sheet.lines.all():
        fee_line_decide(line=line, decision=LineDecision.CONFIRMED, user=world.official)
    time_machine.move_to(dt.datetime(2023, 8, 20, 10, tzinfo=tz))
    fee_sheet_confirm(sheet=sheet, user=world.official)
    areas, provider, _label = resolve_scope(world.official, "national")

    def table(day):
        report = build_report(ExportKind.FEE_SHEETS, Scope(areas=areas, provider=provider, as_of=day, filters={}))
        labels = [column.label for column in report.columns]
        return [dict(zip(labels, row, strict=True)) for row in report.rows]

    assert table(dt.date(2023, 8, 9)) == []
    before = table(dt.date(2023, 8, 15))
    assert {(row["确认结果"], row["确认单状态"], row["服务费用（元）"]) for row in before} == {("确认", "待确认", None)}
    after = table(dt.date(2023, 8, 20))
    assert {(row["确认单状态"], row["服务费用（元）"]) for row in after} == {("已确认", Decimal(30))}
