import datetime as dt
from decimal import Decimal

from eldercare.rollups.models import RecipientProgress
from eldercare.visits.models import ReviewReasonCode
from eldercare.visits.services import exceptions_resolve
from tests.exports.conftest import NOW_DAY, WORLD_DAY, by_column, report_rows


def recipients(world, as_of=NOW_DAY, user=None):
    report, rows = report_rows("recipients", user or world.auditor, as_of)
    return by_column(report, rows, "服务对象编号")


def test_the_recipient_ledger_has_masked_ids_eligibility_counted_visits_and_beds(world):
    r1 = recipients(world)[world.r1.pk]
    assert r1["身份证号（脱敏）"] == world.r1.resident_id[:6] + "********" + world.r1.resident_id[-4:]
    assert world.r1.resident_id not in str(r1)
    assert (r1["姓名"], r1["项目地区代码"], r1["服务机构"]) == ("张三", "110114", "昌平养老服务中心")
    assert (r1["经济困难类别"], r1["能力评估等级"], r1["评估日期"]) == ("低保", "重度失能", dt.date(2023, 6, 1))
    assert r1["当日符合上门服务条件"] == "是"
    # Counted days 08-01, 08-03, 08-04; with 3 visits to a person-time R1 reached it on 08-04.
    assert (r1["计入服务次数"], r1["达成1人次日期"], r1["最近计入服务日期"]) == (
        3,
        dt.date(2023, 8, 4),
        dt.date(2023, 8, 4),
    )
    assert (r1["床位状态"], r1["床位验收日期"]) == ("验收合格", dt.date(2023, 8, 10))
    r2 = recipients(world)[world.r2.pk]
    assert (r2["能力评估等级"], r2["当日符合上门服务条件"], r2["计入服务次数"], r2["达成1人次日期"]) == (
        "轻度失能",
        "否",
        0,
        None,
    )


def test_the_recipient_ledger_agrees_with_the_roll_ups(world):
    # A row per person and area, as the roll-ups keep progress per person and area served.
    report, rows = report_rows("recipients", world.auditor, WORLD_DAY)
    labels = [column.label for column in report.columns]
    by_key = {(row[0], row[labels.index("项目地区代码")]): dict(zip(labels, row, strict=True)) for row in rows}
    assert len(by_key) == len(rows)
    progress_rows = RecipientProgress.objects.select_related("area__region")
    assert progress_rows.exists()
    for progress in progress_rows:
        row = by_key[(progress.recipient_id, progress.area.region.code)]
        assert (row["计入服务次数"], row["达成1人次日期"], row["最近计入服务日期"]) == (
            progress.counted_visits,
            progress.reached_on,
            progress.last_counted_on,
        )


def test_the_recipient_ledger_as_of_an_earlier_day_shows_what_was_known_then(world):
    r1 = recipients(world, as_of=dt.date(2023, 8, 3))[world.r1.pk]
    assert (r1["计入服务次数"], r1["达成1人次日期"], r1["床位状态"]) == (2, None, None)


def test_the_bed_ledger_sums_retrofit_costs_by_kind(world):
    report, rows = report_rows("beds", world.auditor, NOW_DAY)
    bed = by_column(report, rows, "床位编号")[world.bed.pk]
    assert (bed["状态"], bed["验收日期"], bed["计入周期目标"]) == ("验收合格", dt.date(2023, 8, 10), "是")
    assert (bed["改造项目数"], bed["适老化改造费用（元）"], bed["智能化改造费用（元）"], bed["改造费用合计（元）"]) == (
        2,
        Decimal("300"),
        Decimal("450"),
        Decimal("750"),
    )
    assert bed["超出单床费用上限"] == "否"
    assert bed["改造项目明细"] == "扶手×1；紧急呼叫器×1"
    assert report_rows("beds", world.auditor, dt.date(2023, 9, 19))[1] == []


def test_the_exception_ledger_shows_each_exception_and_its_resolution_as_of_the_day(world, time_machine):
    report, rows = report_rows("exceptions", world.area_auditor, NOW_DAY)
    by_visit = {row[1]: dict(zip([c.label for c in report.columns], row, strict=True)) for row in rows}
    assert set(by_visit) == {world.visits[name].pk for name in ("v3", "v7", "v8")}
    too_short = by_visit[world.visits["v3"].pk]
    assert (too_short["异常类型"], too_short["状态"]) == ("时长不足", "待处理")
    assert "2000" in by_visit[world.visits["v7"].pk]["说明"]

    code = ReviewReasonCode.objects.create(code="gps-drift", label="定位漂移", decision="accept")
    exception = world.visits["v7"].exceptions.get()
    time_machine.move_to(dt.datetime(2023, 10, 2, 9, tzinfo=dt.UTC))
    exceptions_resolve(
        exception_ids=[exception.pk], decision="accept", reason_code=code, note="复核", acting_user=world.auditor
    )
    report, rows = report_rows("exceptions", world.area_auditor, dt.date(2023, 10, 2))
    labels = [column.label for column in report.columns]
    resolved = next(dict(zip(labels, row, strict=True)) for row in rows if row[0] == exception.pk)
    assert (resolved["状态"], resolved["处理原因代码"], resolved["处理说明"], resolved["处理人"]) == (
        "已认可（计入）",
        "gps-drift",
        "复核",
        "auditor",
    )
    # As of the day before, the same exception was still open.
    report, rows = report_rows("exceptions", world.area_auditor, NOW_DAY)
    assert next(row for row in rows if row[0] == exception.pk)[9] == "待处理"


def test_the_disbursement_ledger_lists_payments_recorded_by_the_day(world):
    report, rows = report_rows("disbursements", world.area_auditor, NOW_DAY)
    assert [(row[3], row[5], row[7]) for row in rows] == [
        (dt.date(2023, 9, 1), Decimal("100000"), "PZ-1"),
        (dt.date(2023, 9, 15), Decimal("50000"), "=PZ-2"),
    ]
    # Entered on 09-20: an export as of 09-19 does not know them yet.
    assert report_rows("disbursements", world.area_auditor, dt.date(2023, 9, 19))[1] == []
