"""Every export reads as a plain table in the tools auditors use: pandas and openpyxl, no arguments.

The data sheet and the CSV hold the header and the data rows only, so `pd.read_csv` and
`pd.read_excel` find exactly the row count the provenance states, with numbers as numbers; the
totals and the provenance sit beside the table (a sheet of their own, the zip's sidecar).
"""

import io
import json
import zipfile

import pandas as pd
import pytest
from openpyxl import load_workbook

from eldercare.exports.models import ExportKind, ExportStatus
from eldercare.exports.reports import LEDGERS
from eldercare.exports.services import export_request, export_run
from tests.exports.conftest import NOW_DAY

KINDS = list(ExportKind.values)


def export(world, kind: str, fmt: str):
    scope = {"scope_level": "national"}
    job = export_run(
        export_request(user=world.auditor, kind=kind, fmt=fmt, as_of=NOW_DAY, purpose="读表测试", **scope).pk
    )
    assert job.status == ExportStatus.DONE, job.error
    with job.file.open("rb") as handle:
        return job, handle.read()


def assert_numbers_are_numbers(frame: pd.DataFrame, kind: str) -> None:
    for column in LEDGERS[kind].columns:
        values = frame[column.label].dropna()
        if column.kind in ("int", "dec") and len(values):
            assert pd.api.types.is_numeric_dtype(values), (kind, column.label, values.dtype)


@pytest.mark.parametrize("kind", KINDS)
def test_pandas_reads_the_csv_of_every_export_as_the_table_the_provenance_describes(world, kind):
    job, body = export(world, kind, "csv")
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        stem = job.filename.removesuffix(".zip")
        provenance = json.loads(archive.read(f"{stem}.provenance.json"))
        frame = pd.read_csv(archive.open(f"{stem}.csv"), encoding="utf-8-sig")
    assert len(frame) == provenance["rows"] == job.rows_written
    assert list(frame.columns) == [label for label, _kind in provenance["columns"]]
    assert_numbers_are_numbers(frame, kind)


@pytest.mark.parametrize("kind", KINDS)
def test_pandas_and_openpyxl_read_the_xlsx_of_every_export_as_the_table_the_provenance_describes(world, kind, tmp_path):
    job, body = export(world, kind, "xlsx")
    path = tmp_path / job.filename
    path.write_bytes(body)
    workbook = load_workbook(path)
    provenance = json.loads(dict(workbook["导出说明"].iter_rows(values_only=True))["json"])
    sheet = workbook["数据"]
    assert sheet.max_row - 1 == provenance["rows"] == job.rows_written
    assert sheet.auto_filter.ref.endswith(str(provenance["rows"] + 1))  # the filter covers the data, no more
    frame = pd.read_excel(path)  # the first sheet, as a user opening the file sees it
    assert len(frame) == provenance["rows"]
    assert list(frame.columns) == [label for label, _kind in provenance["columns"]]
    assert_numbers_are_numbers(frame, kind)


def test_the_demo_areas_are_marked_in_every_export(world, tmp_path):
    world.other_area.is_demo = True
    world.other_area.save()
    for kind in ("progress", "visits", "recipients"):
        job, body = export(world, kind, "csv")
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            stem = job.filename.removesuffix(".zip")
            frame = pd.read_csv(archive.open(f"{stem}.csv"), encoding="utf-8-sig", dtype=str)
            provenance = json.loads(archive.read(f"{stem}.provenance.json"))
        names = set(frame["项目地区"])
        assert "黄浦区（示例）" in names and "昌平区" in names, (kind, names)
        assert provenance["demo"] is True
