import csv
import datetime as dt
import io
import shutil

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from eldercare.core.models import AuditEvent
from eldercare.exports.models import ExportStatus
from eldercare.exports.services import export_request, export_run, verify_export_file
from tests.conftest import at
from tests.exports.conftest import FORMULA_NAME, NOW_DAY, WORLD_DAY


def run(world, kind="visits", fmt="xlsx", as_of=NOW_DAY, user=None, **scope):
    scope = scope or {"scope_level": "national"}
    job = export_run(export_request(user=user or world.auditor, kind=kind, fmt=fmt, as_of=as_of, **scope).pk)
    assert job.status == ExportStatus.DONE, job.error
    return job


def saved_copy(job, tmp_path) -> str:
    path = tmp_path / job.filename
    with job.file.open("rb") as source, open(path, "wb") as target:
        shutil.copyfileobj(source, target)
    return str(path)


def test_the_xlsx_has_a_chinese_header_typed_cells_a_frozen_header_filters_and_provenance(world, tmp_path):
    job = run(world)
    workbook = load_workbook(saved_copy(job, tmp_path))
    assert workbook.sheetnames == ["数据", "导出说明"]
    sheet = workbook["数据"]
    header = [cell.value for cell in sheet[1]]
    assert header[:3] == ["服务编号", "项目地区代码", "项目地区"] and "是否计入" in header
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:Z{job.rows_written + 1}"
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    v3 = rows[world.visits["v3"].pk]
    assert v3[header.index("服务日期")].value == dt.datetime(2023, 8, 2)
    assert v3[header.index("服务日期")].is_date
    assert v3[header.index("时长（分钟）")].value == 20
    assert v3[header.index("签到纬度")].data_type == "n"
    formula = rows[world.visits["v8"].pk][header.index("服务对象姓名")]
    assert (formula.value, formula.data_type) == (FORMULA_NAME, "s")  # text, never a formula
    provenance = dict(workbook["导出说明"].iter_rows(values_only=True))
    assert provenance["导出人"] == "auditor"
    assert provenance["数据SHA-256"] == job.sha256
    assert provenance["数据行数"] == str(job.rows_written) == "9"
    assert provenance["截至日期（当日结束）"] == "2023-10-01"


def test_the_csv_has_a_bom_neutralised_formulas_and_a_provenance_block_after_the_data(world, tmp_path):
    job = run(world, fmt="csv")
    raw = job.file.read()
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    header = rows[0]
    blank = rows.index([])
    data = rows[1:blank]
    assert len(data) == job.rows_written == 9
    names = {row[0]: row[header.index("服务对象姓名")] for row in data}
    assert names[str(world.visits["v8"].pk)] == "'" + FORMULA_NAME
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in data for cell in row if not _number(cell))
    assert rows[blank + 1] == ["#导出说明"]
    provenance = dict(row for row in rows[blank + 2 :])
    assert provenance["数据SHA-256"] == job.sha256


def _number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def test_csv_cells_starting_with_any_formula_character_are_neutralised(world):
    job = run(world, kind="disbursements", fmt="csv", scope_level="area", scope_code="110114")
    rows = list(csv.reader(io.StringIO(job.file.read().decode("utf-8-sig"))))
    assert [row[7] for row in rows[1:3] if row[7].startswith("'")] == ["'=PZ-2"]


def test_the_xlsx_and_the_csv_of_one_export_have_the_same_data_hash(world):
    assert run(world, fmt="xlsx").sha256 == run(world, fmt="csv").sha256


def test_an_old_as_of_export_gives_the_same_hash_after_later_edits(world, time_machine):
    from eldercare.visits.services import visit_update

    first = run(world, as_of=WORLD_DAY)
    time_machine.move_to(at(dt.date(2023, 10, 2), 10))
    visit_update(visit=world.visits["v5"], ended_at=world.visits["v5"].started_at + dt.timedelta(minutes=5))
    assert run(world, as_of=WORLD_DAY).sha256 == first.sha256
    assert run(world, as_of=dt.date(2023, 10, 2)).sha256 != first.sha256


def test_each_written_export_is_in_the_audit_log_with_its_hash(world):
    job = run(world)
    written = AuditEvent.objects.get(action="export", object_id=str(job.pk), details__stage="written")
    assert written.user == world.auditor
    assert (written.details["sha256"], written.details["rows"]) == (job.sha256, 9)
    assert AuditEvent.objects.filter(action="export", object_id=str(job.pk), details__stage="requested").exists()


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_verify_export_accepts_an_unchanged_file(world, tmp_path, fmt, capsys):
    job = run(world, fmt=fmt)
    call_command("verify_export", saved_copy(job, tmp_path))
    assert job.sha256 in capsys.readouterr().out


def test_verify_export_detects_a_changed_cell_in_a_workbook(world, tmp_path):
    job = run(world)
    path = saved_copy(job, tmp_path)
    workbook = load_workbook(path)
    sheet = workbook["数据"]
    header = [cell.value for cell in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        if row[0].value == world.visits["v3"].pk:
            row[header.index("是否计入")].value = "是"
    workbook.save(path)
    result = verify_export_file(path)
    assert not result.unchanged and not result.recorded and not result.ok
    with pytest.raises(CommandError) as error:
        call_command("verify_export", path)
    assert error.value.returncode == 1


def test_verify_export_accepts_a_workbook_resaved_without_changes(world, tmp_path):
    job = run(world)
    path = saved_copy(job, tmp_path)
    load_workbook(path).save(path)  # as Excel would: new bytes, same cells
    assert verify_export_file(path).ok


def test_verify_export_detects_a_changed_cell_in_a_csv(world, tmp_path):
    job = run(world, fmt="csv")
    path = saved_copy(job, tmp_path)
    with open(path, encoding="utf-8-sig") as handle:
        text = handle.read()
    with open(path, "w", encoding="utf-8-sig") as handle:
        handle.write(text.replace("护理员甲", "护理员丙", 1))
    assert not verify_export_file(path).ok
    with pytest.raises(CommandError):
        call_command("verify_export", path)


def test_verify_export_refuses_a_file_whose_provenance_was_forged_to_match(world, tmp_path):
    """Changing a cell and writing the new hash into the file still fails: no export recorded those data."""
    from eldercare.exports import writers

    job = run(world, fmt="csv")
    path = saved_copy(job, tmp_path)
    header, rows, provenance = writers.read_csv(path)
    rows = list(rows)
    rows[0][3] = "别的机构"
    from eldercare.exports.reports import Column, Report

    columns = [Column(label, kind) for label, kind in provenance["columns"]]
    forged = "".join(writers.csv_chunks(Report("visits", "x", columns, iter(rows)), dict(provenance)))
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(forged)
    result = verify_export_file(path)
    assert result.unchanged and not result.recorded and not result.ok


def test_verify_export_checks_a_pdf_by_its_bytes(world, tmp_path):
    job = run(world, kind="progress", fmt="pdf")
    path = saved_copy(job, tmp_path)
    assert verify_export_file(path).ok
    with open(path, "ab") as handle:
        handle.write(b"%tampered\n")
    assert not verify_export_file(path).ok
