"""The applications ledger (申请审核流转台账): the whole trail, one row a step, as it stood on the as-of day,
in the export vocabulary; a provider's scope sees only the applications named to it."""

import datetime as dt

from django.utils import timezone

from eldercare.accounts.models import Role
from eldercare.applications import services
from eldercare.applications.models import ApplicationStep
from eldercare.exports.reports import LEDGERS, ledger_with_header
from tests.exports.conftest import report_rows

from .conftest import REVIEW, approved


def test_every_step_is_a_row_with_its_reviewer_result_and_opinion(world):
    application = approved(world)
    services.application_transition(
        application, "assign", world.users[Role.PROVIDER_STAFF], caregivers=world.caregivers
    )
    report, rows = report_rows("applications", world.users[Role.AUDITOR], timezone.localdate())
    labels = [column.label for column in report.columns]
    assert ledger_with_header(labels) is LEDGERS["applications"]
    table = [dict(zip(labels, row, strict=True)) for row in rows]
    assert [row["环节"] for row in table] == ["填报", "提交", "街道初审", "区县审核", "执行分派"]
    assert [row["新状态"] for row in table] == ["暂存", "已提交", "街道初审通过", "区县审核通过", "已分派"]
    street = table[2]
    assert (street["审核结果"], street["审核人"], street["审核人职务"], street["意见"]) == (
        "通过",
        REVIEW["reviewer_name"],
        REVIEW["reviewer_title"],
        REVIEW["opinion"],
    )
    assert street["街道（乡镇）代码"] == "110114001" and street["申请类型"] == "居家养老上门服务"
    assert street["身份证号（脱敏）"].count("*") == 8
    assert table[3]["其他"] == f"服务机构：{world.provider.name}"
    assert table[4]["其他"] == "服务人员：张护理、李护理"
    assert table[0]["操作账号"] == "user-street_a"


def test_the_ledger_as_of_an_earlier_day_holds_the_trail_as_it_was(world, time_machine):
    time_machine.move_to(dt.datetime(2024, 3, 1, 10, tzinfo=timezone.get_default_timezone()))
    application = services.application_create(
        kind="home_visits", recipient=world.person_a, user=world.users["street_a"], submit=True
    )
    time_machine.move_to(dt.datetime(2024, 3, 5, 10, tzinfo=timezone.get_default_timezone()))
    services.application_transition(application, "street_review", world.users["street_a"], passed=False, **REVIEW)
    _report, rows = report_rows("applications", world.users[Role.AUDITOR], dt.date(2024, 3, 2))
    assert len(rows) == 2
    _report, rows = report_rows("applications", world.users[Role.AUDITOR], dt.date(2024, 3, 5))
    assert len(rows) == 3 and "不通过" in rows[-1]


def test_a_providers_scope_holds_only_the_applications_named_to_it(world):
    approved(world)
    services.application_create(kind="family_care_bed", recipient=world.person_b, user=world.users["street_b"])
    all_steps = ApplicationStep.objects.count()
    _report, rows = report_rows("applications", world.users[Role.AUDITOR], timezone.localdate())
    assert len(rows) == all_steps
    _report, rows = report_rows(
        "applications",
        world.users[Role.NATIONAL_OFFICIAL],
        timezone.localdate(),
        "provider",
        world.provider.credit_code,
    )
    assert len(rows) == 4  # the approved home-visit application's steps only
