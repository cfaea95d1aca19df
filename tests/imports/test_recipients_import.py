"""Recipients from a filled template: round trip, every bad-row message, all or nothing, dry run, re-import."""

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from eldercare.core.errors import DomainError
from eldercare.core.models import AuditEvent
from eldercare.imports.runner import import_file
from eldercare.recipients.models import CapabilityAssessment, Recipient
from tests.imports.conftest import fill, recipient_row, resident, template_for

pytestmark = pytest.mark.django_db


def _state():
    return (
        list(Recipient.objects.order_by("pk").values()),
        list(CapabilityAssessment.objects.order_by("pk").values()),
        Recipient.history.count(),
        AuditEvent.objects.count(),
    )


def test_template_has_headers_help_and_dropdowns(world, tmp_path):
    workbook = load_workbook(template_for("recipients", tmp_path))
    data, help_sheet, codes = workbook["服务对象"], workbook["说明"], workbook["代码表"]
    headers = [cell.value for cell in data[1]]
    assert headers[:2] == ["身份证号*", "姓名*"]
    assert "评估日期" in headers and "乡镇（街道）代码*" in headers
    assert codes.sheet_state == "hidden"
    code_values = [cell.value for column in codes.iter_cols() for cell in column]
    assert "110114001" in code_values and "城北街道" in code_values and "低保" in code_values
    formulas = {validation.formula1 for validation in data.data_validations.dataValidation if validation.type == "list"}
    assert any("代码表" in formula for formula in formulas)
    covered = " ".join(str(validation.sqref) for validation in data.data_validations.dataValidation)
    township_letter = chr(ord("A") + headers.index("乡镇（街道）代码*"))
    assert f"{township_letter}2:" in covered
    help_rows = [row[0] for row in help_sheet.iter_rows(values_only=True)]
    assert "身份证号*" in help_rows


def test_round_trip_creates_recipients_with_assessment_and_township(world, tmp_path):
    filled = fill(
        template_for("recipients", tmp_path),
        [recipient_row(1), recipient_row(2, 评估日期=None, 能力等级=None, 评估人=None)],
    )
    report = import_file("recipients", filled)
    assert report.ok, [str(error) for error in report.errors]
    assert (report.rows, report.created, report.skipped) == (2, 2, 0)
    first = Recipient.objects.get(resident_id=resident(1))
    assert first.township == world["township"] and first.area == world["area"]
    assert first.economic_category == "minimum_allowance" and first.name == "老人1"
    assessment = first.assessments.get()
    assert (assessment.assessed_on, assessment.level, assessment.assessor_name) == (
        dt.date(2024, 3, 1),
        "severe",
        "李四",
    )
    assert not Recipient.objects.get(resident_id=resident(2)).assessments.exists()
    assert first.history.get().history_change_reason == "import_records"
    assert AuditEvent.objects.filter(object_type="recipients.recipient", reason="import_records").count() == 2


def test_reimport_changes_nothing(world, tmp_path):
    filled = fill(template_for("recipients", tmp_path), [recipient_row(1), recipient_row(2)])
    import_file("recipients", filled)
    before = _state()
    report = import_file("recipients", filled)
    assert report.ok and (report.created, report.skipped) == (0, 2)
    assert _state() == before


def test_dry_run_changes_nothing(world, tmp_path):
    filled = fill(template_for("recipients", tmp_path), [recipient_row(1)])
    before = _state()
    report = import_file("recipients", filled, dry_run=True)
    assert report.ok and report.created == 1 and report.dry_run
    assert _state() == before


def _bad_id() -> str:
    good = resident(3)
    return good[:17] + ("0" if good[17] != "0" else "1")


@pytest.mark.parametrize(
    ("changes", "column", "code_word"),
    [
        ({"姓名": None}, "姓名*", "required"),
        ({"身份证号": _bad_id()}, "身份证号*", "check"),
        ({"乡镇（街道）代码": "110114999"}, "乡镇（街道）代码*", "unknown"),
        ({"乡镇（街道）代码": "110105001"}, "乡镇（街道）代码*", "no pilot area"),
        ({"评估日期": "2024-13-45"}, "评估日期", "date"),
        ({"姓名": "张\x7f三"}, "姓名*", "U+007F"),
        ({"经济困难类别": "富裕"}, "经济困难类别*", "allowed"),
        ({"性别": "女"}, "性别", "sex"),
        ({"能力等级": None}, "能力等级", "assessment"),
    ],
)
def test_every_bad_row_is_named_and_nothing_changes(world, tmp_path, changes, column, code_word, settings):
    settings.LANGUAGE_CODE = "en"
    rows = [recipient_row(1), recipient_row(3, **changes)]
    filled = fill(template_for("recipients", tmp_path), rows)
    before = _state()
    report = import_file("recipients", filled)
    assert _state() == before
    assert [(error.line, error.column) for error in report.errors] == [(3, column)], [str(e) for e in report.errors]
    messages = {
        "required": "required",
        "check": "check",
        "unknown": "Unknown",
        "no pilot area": "no pilot area",
        "date": "not a date",
        "U+007F": "U+007F",
        "allowed": "allowed values",
        "sex": "sex",
        "assessment": "date, level and assessor",
    }
    assert messages[code_word].lower() in report.errors[0].message.lower()
    assert report.created == 0


def test_duplicate_row_in_file_names_the_first_line(world, tmp_path, settings):
    settings.LANGUAGE_CODE = "en"
    filled = fill(template_for("recipients", tmp_path), [recipient_row(1), recipient_row(2), recipient_row(1)])
    report = import_file("recipients", filled)
    assert [(error.line, error.column) for error in report.errors] == [(4, "身份证号*")]
    assert "line 2" in report.errors[0].message
    assert not Recipient.objects.exists()


def test_every_bad_row_is_reported_not_only_the_first(world, tmp_path):
    rows = [
        recipient_row(1, 姓名=None),
        recipient_row(2),
        recipient_row(3, 评估日期="昨天"),
        recipient_row(4, 身份证号="123"),
    ]
    report = import_file("recipients", fill(template_for("recipients", tmp_path), rows))
    assert sorted({error.line for error in report.errors}) == [2, 4, 5]
    assert not Recipient.objects.exists()


def test_file_limits_are_the_spreadsheet_policy(world, tmp_path):
    bomb = tmp_path / "x.txt"
    bomb.write_text("not a sheet")
    with pytest.raises(DomainError) as refused:
        import_file("recipients", bomb)
    assert refused.value.code == "import_file_type"
    missing = tmp_path / "missing-columns.csv"
    missing.write_text("姓名*\n张三\n", encoding="utf-8")
    with pytest.raises(DomainError) as refused:
        import_file("recipients", missing)
    assert refused.value.code == "import_missing_columns"


def test_commands_write_template_and_import(world, tmp_path, capsys):
    out = tmp_path / "t.xlsx"
    call_command("import_template", "recipients", str(out))
    filled = fill(out, [recipient_row(1)])
    call_command("import_records", "recipients", str(filled), "--dry-run")
    assert not Recipient.objects.exists()
    call_command("import_records", "recipients", str(filled))
    assert Recipient.objects.count() == 1
    bad = fill(out, [recipient_row(5, 姓名=None)], out=tmp_path / "bad.xlsx")
    with pytest.raises(CommandError):
        call_command("import_records", "recipients", str(bad))
    assert "姓名*" in capsys.readouterr().err


def test_csv_control_character_is_named(world, tmp_path, settings):
    settings.LANGUAGE_CODE = "en"
    from eldercare.imports.columns import RECIPIENTS

    headers = [column.header for column in RECIPIENTS.columns]
    row = recipient_row(1, 姓名="张\x01三", 评估日期="2024-03-01")
    line = [str(row.get(column.label, "")) for column in RECIPIENTS.columns]
    path = tmp_path / "recipients.csv"
    path.write_text(",".join(headers) + "\n" + ",".join(line) + "\n", encoding="utf-8")
    report = import_file("recipients", path)
    assert [(error.line, error.column) for error in report.errors] == [(2, "姓名*")]
    assert "U+0001" in report.errors[0].message
    assert not Recipient.objects.exists()


def test_import_queues_recount_and_keeps_history(world, tmp_path):
    from eldercare.core.models import RecountRequest

    filled = fill(template_for("recipients", tmp_path), [recipient_row(1), recipient_row(2)])
    import_file("recipients", filled)
    ids = set(Recipient.objects.values_list("pk", flat=True))
    assert set(RecountRequest.objects.filter(recipient_id__in=ids).values_list("recipient_id", flat=True)) == ids
    assert CapabilityAssessment.history.filter(history_type="+").count() == 2
    assert AuditEvent.objects.filter(object_type="recipients.capabilityassessment").count() == 2


def test_template_date_column_is_a_date(world, tmp_path):
    workbook = load_workbook(template_for("recipients", tmp_path))
    data = workbook.worksheets[0]
    headers = [cell.value for cell in data[1]]
    letter = chr(ord("A") + headers.index("评估日期"))
    assert data.column_dimensions[letter].number_format == "yyyy-mm-dd"
    kinds = {validation.type for validation in data.data_validations.dataValidation}
    assert {"list", "date"} <= kinds


def test_recipient_under_sixty_is_refused_by_the_model_rule(world, tmp_path, settings):
    settings.LANGUAGE_CODE = "en"
    from tests.factories import make_resident_id

    young = make_resident_id(birth=dt.date(1990, 1, 1))
    report = import_file("recipients", fill(template_for("recipients", tmp_path), [recipient_row(1, 身份证号=young)]))
    assert [(error.line, error.column) for error in report.errors] == [(2, "身份证号*")]
    assert "60" in report.errors[0].message


def test_imported_recipient_reads_back_through_the_api(world, tmp_path):
    from tests.api.conftest import client_for
    from tests.factories import make_user

    filled = fill(template_for("recipients", tmp_path), [recipient_row(1)])
    assert import_file("recipients", filled).ok
    recipient = Recipient.objects.get()
    answer = client_for(make_user("api-admin", is_superuser=True)).get(f"/api/v1/recipients/{recipient.pk}/")
    assert answer.status_code == 200
    body = answer.json()
    assert body["name"] == "老人1" and body["economic_category"] == "minimum_allowance"
    assert (body["township"], body["area"]) == (world["township"].pk, world["area"].pk)


def test_a_zip_bomb_is_refused_unread(world, tmp_path):
    from bench.import_bombs import _zip_bomb

    with pytest.raises(DomainError) as refused:
        import_file("recipients", _zip_bomb(tmp_path / "bomb.xlsx"))
    assert refused.value.code == "import_bomb"
