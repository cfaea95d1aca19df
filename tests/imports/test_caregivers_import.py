"""Caregivers from a filled template, through providers.services.caregiver_save."""

import pytest
from openpyxl import load_workbook

from eldercare.core.models import AuditEvent
from eldercare.imports.runner import import_file
from eldercare.providers.models import Caregiver
from eldercare.providers.services import caregiver_save
from tests.factories import ProviderFactory
from tests.imports.conftest import fill, template_for

pytestmark = pytest.mark.django_db


def _row(provider, number: str, **changes) -> dict:
    row = {
        "服务机构信用代码": provider.credit_code,
        "工号": number,
        "姓名": f"护理员{number}",
        "联系电话": "13700000000",
    }
    row.update(changes)
    return {label: value for label, value in row.items() if value is not None}


def _state():
    return list(Caregiver.objects.order_by("pk").values()), Caregiver.history.count(), AuditEvent.objects.count()


def test_template_lists_providers_in_a_dropdown(world, tmp_path):
    workbook = load_workbook(template_for("caregivers", tmp_path))
    headers = [cell.value for cell in workbook["服务人员"][1]]
    assert headers[:3] == ["服务机构信用代码*", "工号*", "姓名*"]
    codes = [cell.value for column in workbook["代码表"].iter_cols() for cell in column]
    assert world["provider"].credit_code in codes and world["provider"].name in codes and "是" in codes


def test_round_trip_and_reimport(world, tmp_path):
    provider = world["provider"]
    filled = fill(template_for("caregivers", tmp_path), [_row(provider, "A1"), _row(provider, "A2", 是否在职="否")])
    report = import_file("caregivers", filled)
    assert report.ok and report.created == 2
    first, second = Caregiver.objects.order_by("employee_number")
    assert (first.provider, first.name, first.is_active, second.is_active) == (provider, "护理员A1", True, False)
    assert AuditEvent.objects.filter(object_type="providers.caregiver", reason="import_records").count() == 2
    assert first.history.get().history_change_reason == "import_records"
    before = _state()
    again = import_file("caregivers", filled)
    assert again.ok and (again.created, again.skipped) == (0, 2)
    assert _state() == before


def test_same_number_at_two_providers_is_two_caregivers(world, tmp_path):
    other = ProviderFactory()
    filled = fill(template_for("caregivers", tmp_path), [_row(world["provider"], "A1"), _row(other, "A1")])
    assert import_file("caregivers", filled).created == 2


@pytest.mark.parametrize(
    ("changes", "column", "words"),
    [
        ({"工号": None}, "工号*", "required"),
        ({"服务机构信用代码": "91110000000000000X"}, "服务机构信用代码*", "unknown"),
        ({"是否在职": "也许"}, "是否在职", "allowed values"),
        ({"姓名": "王\x7f五"}, "姓名*", "U+007F"),
        ({"姓名": "王" * 65}, "姓名*", "at most 64"),
    ],
)
def test_bad_rows_change_nothing(world, tmp_path, settings, changes, column, words):
    settings.LANGUAGE_CODE = "en"
    provider = world["provider"]
    filled = fill(template_for("caregivers", tmp_path), [_row(provider, "A1"), _row(provider, "A2", **changes)])
    before = _state()
    report = import_file("caregivers", filled)
    assert [(error.line, error.column) for error in report.errors] == [(3, column)], [str(e) for e in report.errors]
    assert words.lower() in report.errors[0].message.lower()
    assert _state() == before


def test_duplicate_in_file(world, tmp_path):
    provider = world["provider"]
    filled = fill(template_for("caregivers", tmp_path), [_row(provider, "A1"), _row(provider, "A1")])
    report = import_file("caregivers", filled)
    assert [(error.line, error.column) for error in report.errors] == [(3, "工号*")]
    assert not Caregiver.objects.exists()


def test_caregiver_save_changes_and_audits(world):
    caregiver = caregiver_save(provider=world["provider"], employee_number="B1", name="赵六")
    changed = caregiver_save(caregiver=caregiver, name="赵六六", reason="改名")
    assert changed.name == "赵六六" and changed.history.count() == 2
    assert AuditEvent.objects.filter(object_type="providers.caregiver", action="change").count() == 1
    unchanged = caregiver_save(caregiver=changed, name="赵六六")
    assert unchanged.history.count() == 2
