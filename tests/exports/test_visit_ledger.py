import datetime as dt

from eldercare.visits.services import visit_update, visit_void
from eldercare.visits.verification import count_decision
from tests.conftest import at
from tests.exports.conftest import FORMULA_NAME, NOW_DAY, WORLD_DAY, by_column, report_rows


def ledger(world, as_of=NOW_DAY, user=None, **kwargs):
    report, rows = report_rows("visits", user or world.auditor, as_of, **kwargs)
    return by_column(report, rows, "服务编号")


def test_the_visit_ledger_says_which_visits_count_and_why_not(world):
    rows = ledger(world)
    v = {name: rows[visit.pk] for name, visit in world.visits.items()}
    assert {name: row["是否计入"] for name, row in v.items()} == {
        "v1": "是",
        "v2": "否",
        "v3": "否",
        "v4": "是",
        "v5": "是",
        "v6": "否",
        "v7": "否",
        "v8": "否",
        "other": "是",
    }
    assert v["v1"]["不计入原因"] is None
    assert v["v2"]["不计入原因"] == f"当日已有服务 #{world.visits['v1'].pk} 计入"
    assert v["v3"]["不计入原因"] == "时长不足（待处理）"
    assert v["v6"]["不计入原因"] == "已作废：核查未提供服务"
    assert v["v6"]["状态"] == "已作废"
    assert v["v7"]["不计入原因"] == "签到位置偏离（待处理）"
    assert v["v8"]["不计入原因"] == "当日不符合条件（待处理）"
    assert v["v8"]["服务对象姓名"] == FORMULA_NAME


def test_the_visit_ledger_has_the_six_verification_elements(world):
    row = ledger(world)[world.visits["v3"].pk]
    assert row["服务类别"] == "生活照料"
    assert row["服务对象编号"] == world.r1.pk
    assert row["身份证号（脱敏）"] == world.r1.resident_id[:6] + "********" + world.r1.resident_id[-4:]
    assert (row["服务人员"], row["服务机构"]) == ("护理员甲", "昌平养老服务中心")
    assert row["服务日期"] == dt.date(2023, 8, 2)
    assert (row["开始时间"], row["结束时间"], row["时长（分钟）"]) == (
        dt.datetime(2023, 8, 2, 9, 0),
        dt.datetime(2023, 8, 2, 9, 20),
        20,
    )
    assert (row["签到纬度"], row["签到经度"]) == (world.r1.home_latitude, world.r1.home_longitude)
    assert row["异常及处理"] == "时长不足（待处理）"


def test_the_set_based_count_agrees_with_count_decision_for_every_visit(world):
    rows = ledger(world)
    for visit in world.visits.values():
        assert (rows[visit.pk]["是否计入"] == "是") is count_decision(visit).counts, visit


def test_an_accepted_warning_lets_the_visit_count_and_shows_the_reason_code(world):
    from eldercare.visits.models import ReviewReasonCode
    from eldercare.visits.services import exceptions_resolve

    code = ReviewReasonCode.objects.create(code="gps-drift", label="定位漂移", decision="accept")
    exception = world.visits["v7"].exceptions.get()
    exceptions_resolve(exception_ids=[exception.pk], decision="accept", reason_code=code, acting_user=world.auditor)
    row = ledger(world)[world.visits["v7"].pk]
    assert (row["是否计入"], row["异常及处理"]) == ("是", "签到位置偏离（已认可（计入），gps-drift）")
    assert count_decision(world.visits["v7"]).counts


def test_an_old_as_of_ledger_is_unchanged_by_later_edits_to_earlier_visits(world, time_machine):
    before = ledger(world, as_of=WORLD_DAY)
    time_machine.move_to(at(dt.date(2023, 10, 2), 10))
    visit_update(visit=world.visits["v4"], ended_at=world.visits["v4"].started_at + dt.timedelta(minutes=10))
    visit_void(visit=world.visits["v1"], reason="重复录入")
    assert ledger(world, as_of=WORLD_DAY) == before
    now = ledger(world, as_of=dt.date(2023, 10, 2))
    assert now[world.visits["v4"].pk]["是否计入"] == "否"
    assert now[world.visits["v1"].pk]["状态"] == "已作废"
    # v2 now counts for 08-01, since v1 no longer does.
    assert now[world.visits["v2"].pk]["是否计入"] == "是"
    for visit in world.visits.values():
        assert (now[visit.pk]["是否计入"] == "是") is count_decision(visit).counts


def test_a_ledger_as_of_an_earlier_day_leaves_out_visits_entered_later(world):
    rows = ledger(world, as_of=dt.date(2023, 8, 3))
    assert world.visits["v4"].pk in rows
    assert world.visits["v5"].pk not in rows
    # v6 was voided on 08-05: as of 08-04 it did not exist yet, as of 08-05 it is voided.
    assert ledger(world, as_of=dt.date(2023, 8, 5))[world.visits["v6"].pk]["状态"] == "已作废"


def test_the_visit_ledger_filters_by_service_date(world):
    rows = ledger(world, filters={"date_from": "2023-08-03", "date_to": "2023-08-04"})
    assert set(rows) == {world.visits["v4"].pk, world.visits["v5"].pk}
