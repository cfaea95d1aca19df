"""Visits from a filled template, through the bulk upload (visits.bulk.visits_bulk_ingest)."""

import datetime as dt

import pytest

from eldercare.imports.runner import import_file
from eldercare.visits.models import Visit
from tests.factories import ServiceCategoryFactory, ServiceItemFactory, make_user
from tests.imports.conftest import fill, template_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def setting(recipient, caregiver):
    ServiceItemFactory(category=ServiceCategoryFactory())
    return {"recipient": recipient, "caregiver": caregiver, "user": make_user("visit-admin", is_superuser=True)}


def _row(setting, day: int, **changes) -> dict:
    start = dt.datetime(2023, 8, day, 9, 0)
    row = {
        "服务对象身份证号": setting["recipient"].resident_id,
        "服务人员工号": setting["caregiver"].employee_number,
        "服务类别代码": "daily-living",
        "服务项目代码": "cleaning",
        "开始时间": start,
        "结束时间": start + dt.timedelta(hours=1),
        "满意度": "满意",
    }
    row.update(changes)
    return {label: value for label, value in row.items() if value is not None}


def _state():
    return list(Visit.objects.order_by("pk").values()), Visit.history.count()


def test_round_trip_and_reimport(setting, tmp_path):
    filled = fill(template_for("visits", tmp_path), [_row(setting, 1), _row(setting, 2)])
    report = import_file("visits", filled, acting_user=setting["user"])
    assert report.ok, [str(error) for error in report.errors]
    assert report.created == 2
    visit = Visit.objects.order_by("started_at").first()
    assert (visit.recipient, visit.caregiver, visit.satisfaction) == (
        setting["recipient"],
        setting["caregiver"],
        "satisfied",
    )
    assert list(visit.items.values_list("code", flat=True)) == ["cleaning"]
    before = _state()
    again = import_file("visits", filled, acting_user=setting["user"])
    assert again.ok and (again.created, again.skipped) == (0, 2)
    assert _state() == before


def test_bad_rows_change_nothing(setting, tmp_path, settings):
    settings.LANGUAGE_CODE = "en"
    rows = [_row(setting, 1), _row(setting, 2, 服务人员工号="NOPE"), _row(setting, 3, 开始时间="明天")]
    before = _state()
    report = import_file("visits", fill(template_for("visits", tmp_path), rows), acting_user=setting["user"])
    assert {(error.line, error.column) for error in report.errors} == {(3, "服务人员工号*"), (4, "开始时间*")}
    assert _state() == before


def test_a_visit_the_upload_rejects_rolls_back_the_file(setting, tmp_path, settings):
    settings.LANGUAGE_CODE = "en"
    rows = [_row(setting, 1), _row(setting, 2, 结束时间=dt.datetime(2023, 8, 2, 8, 0))]
    report = import_file("visits", fill(template_for("visits", tmp_path), rows), acting_user=setting["user"])
    assert report.errors and {error.line for error in report.errors} == {3}
    assert not Visit.objects.exists()


def test_command_needs_a_user_for_visits(setting, tmp_path):
    from django.core.management import CommandError, call_command

    filled = fill(template_for("visits", tmp_path), [_row(setting, 1)])
    with pytest.raises(CommandError):
        call_command("import_records", "visits", str(filled))
    call_command("import_records", "visits", str(filled), "--user", "visit-admin")
    assert Visit.objects.count() == 1
