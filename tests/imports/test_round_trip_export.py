"""Template → filled → import → export: what three imported sheets put in the ledgers auditors download.

Recipients, their caregivers and the visits between them are imported from filled templates, the
recount queue is drained as a worker would, and the recipient and visit ledgers (the exports'
`build_report`, as the files hold them) show the imported people, caregivers and visits.
"""

import datetime as dt

import pytest

from eldercare.core.masking import mask_resident_id
from eldercare.imports.runner import import_file
from eldercare.recipients.models import Recipient
from eldercare.rollups.queue import drain_recount_queue
from tests.exports.conftest import by_column, report_rows
from tests.factories import ServiceCategoryFactory, ServiceItemFactory, make_user
from tests.imports.conftest import fill, recipient_row, resident, template_for

pytestmark = pytest.mark.django_db


def test_imported_recipients_caregivers_and_visits_appear_in_the_ledgers(world, tmp_path, time_machine):
    time_machine.move_to(dt.datetime(2024, 8, 3, 20, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))))
    admin = make_user("import-admin", is_superuser=True, is_staff=True)
    provider = world["provider"]
    provider.areas.add(world["area"])
    ServiceItemFactory(category=ServiceCategoryFactory())
    people = fill(template_for("recipients", tmp_path), [recipient_row(1), recipient_row(2)])
    caregivers = fill(
        template_for("caregivers", tmp_path),
        [{"服务机构信用代码": provider.credit_code, "工号": "G001", "姓名": "护理员甲", "联系电话": "13700000000"}],
    )
    visit_rows = [
        {
            "服务对象身份证号": resident(1),
            "服务人员工号": "G001",
            "服务类别代码": "daily-living",
            "服务项目代码": "cleaning",
            "开始时间": dt.datetime(2024, 8, day, 9, 0),
            "结束时间": dt.datetime(2024, 8, day, 10, 0),
            "满意度": "满意",
        }
        for day in (1, 2)
    ]
    for kind, filled in (("recipients", people), ("caregivers", caregivers)):
        report = import_file(kind, filled, acting_user=admin)
        assert report.ok, [str(error) for error in report.errors]
    Recipient.objects.filter(resident_id__in=[resident(1), resident(2)]).update(provider=provider)
    visits = import_file("visits", fill(template_for("visits", tmp_path), visit_rows), acting_user=admin)
    assert visits.ok and visits.created == 2, [str(error) for error in visits.errors]
    drain_recount_queue()

    ledger, rows = report_rows("recipients", admin, dt.date(2024, 8, 3))
    listed = by_column(ledger, rows, "身份证号（脱敏）")
    first, second = listed[mask_resident_id(resident(1))], listed[mask_resident_id(resident(2))]
    assert (first["姓名"], first["项目地区代码"], first["计入服务次数"]) == ("老人1", "110114", 2)
    assert (second["姓名"], second["计入服务次数"]) == ("老人2", 0)

    ledger, rows = report_rows("visits", admin, dt.date(2024, 8, 3))
    shown = [dict(zip([c.label for c in ledger.columns], row, strict=True)) for row in rows]
    assert sorted((row["服务日期"], row["服务人员工号"], row["服务对象姓名"], row["满意度"]) for row in shown) == [
        (dt.date(2024, 8, 1), "G001", "老人1", "满意"),
        (dt.date(2024, 8, 2), "G001", "老人1", "满意"),
    ]
    assert {row["是否计入"] for row in shown} == {"是"}
