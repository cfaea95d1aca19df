import csv
import datetime as dt
import json
import shutil
import zipfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from eldercare.core.models import AuditEvent
from eldercare.exports import writers
from eldercare.exports.models import ExportStatus
from eldercare.exports.reports import Column, Report
from eldercare.exports.services import export_request, export_run, verify_export_file
from tests.conftest import at
from tests.exports.conftest import FORMULA_NAME, NOW_DAY, WORLD_DAY, csv_zip


def run(world, kind="visits", fmt="xlsx", as_of=NOW_DAY, user=None, **scope):
    scope = scope or {"scope_level": "national"}
    job = export_run(
        export_request(user=user or world.auditor, kind=kind, fmt=fmt, as_of=as_of, purpose="2023年度审计", **scope).pk
    )
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
    assert workbook.sheetnames == ["数据", "导出说明"]  # a ledger has no totals sheet
    sheet = workbook["数据"]
    header = [cell.value for cell in sheet[1]]
    assert header[:3] == ["服务编号", "项目地区代码", "项目地区"] and "是否计入" in header
    assert sheet.freeze_panes == "A2"
    last_column = get_column_letter(len(header))
    assert sheet.auto_filter.ref == f"A1:{last_column}{job.rows_written + 1}" and sheet.max_row == job.rows_written + 1
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    v3 = rows[world.visits["v3"].pk]
    assert v3[header.index("服务日期")].value == dt.datetime(2023, 8, 2)
    assert v3[header.index("服务日期")].is_date
    assert v3[header.index("时长（分钟）")].value == 20
    latitude = v3[header.index("签到纬度")]
    assert (latitude.data_type, latitude.number_format) == ("n", "0.000000")  # coordinates to 6 decimals
    assert v3[0].number_format == "0"  # an identifier has no thousands separator
    formula = rows[world.visits["v8"].pk][header.index("服务对象姓名")]
    assert (formula.value, formula.data_type) == (FORMULA_NAME, "s")  # text, never a formula
    provenance = dict(workbook["导出说明"].iter_rows(values_only=True))
    assert provenance["导出人"] == "auditor"
    assert provenance["数据SHA-256"] == job.sha256
    assert provenance["数据行数"] == str(job.rows_written) == "9"
    assert provenance["截至日期（当日结束）"] == "2023年10月1日"
    assert provenance["范围"].startswith("全部（本人范围内）")
    assert provenance["用途"] == "2023年度审计"


def test_the_xlsx_prints_landscape_one_page_wide_with_the_header_on_every_page(world, tmp_path):
    sheet = load_workbook(saved_copy(run(world), tmp_path))["数据"]
    setup = sheet.page_setup
    assert (setup.orientation, setup.fitToWidth, setup.fitToHeight) == ("landscape", 1, 0)
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.print_title_rows == "$1:$1"
    assert "&P" in sheet.oddFooter.center.text and "&N" in sheet.oddFooter.center.text


def test_the_progress_xlsx_keeps_its_totals_beside_the_data_outside_the_filter(world, tmp_path):
    job = run(world, kind="progress")
    workbook = load_workbook(saved_copy(job, tmp_path))
    assert workbook.sheetnames == ["数据", "合计", "导出说明"]
    data = workbook["数据"]
    codes = [row[0] for row in data.iter_rows(min_row=2, values_only=True)]
    assert codes == ["110114", "310101"]  # the areas only: sorting or filtering never moves a total
    assert data.auto_filter.ref == "A1:V3"
    totals = dict(workbook["合计"].iter_rows(min_row=2, values_only=True))
    assert (totals["目标人次"], totals["已达成人次"], totals["服务对象数"]) == (8000, 1, 3)
    assert "项目地区代码" not in totals and "数据日期" not in totals
    assert workbook["合计"]["B2"].number_format == "#,##0"


def test_the_csv_export_is_a_zip_of_only_the_table_and_its_provenance_sidecar(world):
    job = run(world, fmt="csv")
    assert job.filename.endswith(".zip")
    rows, provenance, names = csv_zip(job)
    stem = job.filename.removesuffix(".zip")
    assert names == [f"{stem}.csv", f"{stem}.provenance.json"]
    header, data = rows[0], rows[1:]
    assert len(data) == job.rows_written == provenance["rows"] == 9
    assert all(len(row) == len(header) for row in data)  # nothing but the table: no blank row, no notes
    names = {row[0]: row[header.index("服务对象姓名")] for row in data}
    assert names[str(world.visits["v8"].pk)] == "'" + FORMULA_NAME
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in data for cell in row if not _number(cell))
    latitudes = {row[header.index("签到纬度")] for row in data}
    assert all(len(value.split(".")[1]) == 6 for value in latitudes if value)
    assert provenance["sha256"] == job.sha256 and provenance["data_file"] == f"{stem}.csv"
    assert provenance["purpose"] == "2023年度审计"


def _number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def test_csv_cells_starting_with_any_formula_character_are_neutralised(world):
    job = run(world, kind="disbursements", fmt="csv", scope_level="area", scope_code="110114")
    rows, provenance, _names = csv_zip(job)
    assert [row[7] for row in rows[1:3] if row[7].startswith("'")] == ["'=PZ-2"]
    assert [row[5] for row in rows[1:3]] == ["100000.00", "50000.00"]  # money with its two decimals
    assert provenance["totals"] == {"金额（元）": "150000"}


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


@pytest.mark.parametrize("fmt", ["xlsx", "csv", "pdf"])
def test_verify_export_accepts_an_unchanged_file(world, tmp_path, fmt, capsys):
    job = run(world, kind="progress" if fmt == "pdf" else "visits", fmt=fmt)
    call_command("verify_export", saved_copy(job, tmp_path))
    assert "Verified" in capsys.readouterr().out or verify_export_file(saved_copy(job, tmp_path)).ok


def extracted(job, tmp_path, *, sidecar=True) -> str:
    """The CSV of a zipped export as an auditor unpacks it (with or without its sidecar next to it)."""
    with zipfile.ZipFile(saved_copy(job, tmp_path)) as archive:
        for name in archive.namelist():
            if sidecar or name.endswith(".csv"):
                archive.extract(name, tmp_path / "unpacked")
    return str(next((tmp_path / "unpacked").glob("*.csv")))


def test_verify_export_accepts_a_csv_taken_out_of_its_zip_with_or_without_its_sidecar(world, tmp_path):
    job = run(world, fmt="csv")
    path = extracted(job, tmp_path)
    result = verify_export_file(path)
    assert result.ok and result.claimed_sha256 == job.sha256
    (tmp_path / "unpacked" / job.filename.replace(".zip", ".provenance.json")).unlink()
    alone = verify_export_file(path)
    assert alone.ok and alone.provenance is None and alone.job == job  # the header names the ledger
    call_command("verify_export", path)


def test_verify_export_accepts_a_csv_a_spreadsheet_saved_again(world, tmp_path):
    """LibreOffice or Excel drop the byte-order mark, quote differently and drop trailing zeros."""
    job = run(world, fmt="csv")
    path = extracted(job, tmp_path)
    with open(path, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    resaved = [[_trim(cell) for cell in row] for row in rows]
    with open(path, "w", encoding="gb18030", newline="") as handle:
        csv.writer(handle, quoting=csv.QUOTE_ALL, lineterminator="\n").writerows(resaved)
    assert verify_export_file(path).ok


def _trim(cell: str) -> str:
    if _number(cell) and "." in cell:
        return cell.rstrip("0").rstrip(".")
    return cell


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


def test_verify_export_detects_a_changed_cell_in_a_csv_in_or_out_of_its_zip(world, tmp_path):
    job = run(world, fmt="csv")
    path = extracted(job, tmp_path)
    with open(path, encoding="utf-8-sig") as handle:
        text = handle.read()
    with open(path, "w", encoding="utf-8-sig") as handle:
        handle.write(text.replace("护理员甲", "护理员丙", 1))
    assert not verify_export_file(path).ok
    with pytest.raises(CommandError):
        call_command("verify_export", path)
    archive_path = tmp_path / "changed.zip"
    with zipfile.ZipFile(saved_copy(job, tmp_path)) as original, zipfile.ZipFile(archive_path, "w") as changed:
        for name in original.namelist():
            changed.writestr(name, Path(path).read_bytes() if name.endswith(".csv") else original.read(name))
    result = verify_export_file(str(archive_path))
    assert not result.unchanged and not result.ok


def test_verify_export_refuses_a_file_whose_provenance_was_forged_to_match(world, tmp_path):
    """Changing a cell and writing the new hash into the sidecar still fails: no export recorded those data."""
    job = run(world, fmt="csv")
    path = extracted(job, tmp_path)
    header, rows, provenance = writers.read_csv(path)
    rows = list(rows)
    rows[0][3] = "别的机构"
    columns = [Column(label, kind) for label, kind in provenance["columns"]]
    forged = dict(provenance)
    text = "".join(writers.csv_chunks(Report("visits", "x", columns, iter(rows)), forged))
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)
    sidecar = path.replace(".csv", ".provenance.json")
    with open(sidecar, "w", encoding="utf-8") as handle:
        json.dump(forged, handle)
    result = verify_export_file(path)
    assert result.unchanged and not result.recorded and not result.ok


def test_verify_export_checks_a_pdf_by_its_bytes(world, tmp_path):
    job = run(world, kind="progress", fmt="pdf")
    path = saved_copy(job, tmp_path)
    assert verify_export_file(path).ok
    with open(path, "ab") as handle:
        handle.write(b"%tampered\n")
    assert not verify_export_file(path).ok


def test_verify_export_refuses_a_zip_bomb_unread(world, tmp_path):
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.csv", b"0" * (50 * 1024 * 1024))
    with translation.override("en"):  # the message is checked in English; tests/i18n checks the Chinese
        result = verify_export_file(str(path))
        assert not result.ok and "refused unread" in " ".join(map(str, result.messages))
