"""Read the official list of a batch's pilot areas (CSV or XLSX) into raw rows.

Reading only turns cells into text keyed by column; every check on the values lives in
`services.pilot_areas_import`, so an upload in the admin and the command refuse the same rows
with the same messages.
"""

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from django.utils.translation import gettext_lazy as _

from eldercare.core.errors import DomainError

# Canonical column → accepted headers (compared after stripping spaces and lower-casing).
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "division_code": ("区划代码", "行政区划代码", "division_code", "code"),
    "name": ("地区名称", "项目地区", "name"),
    "province": ("省份", "省", "province"),
    "funds_arrived_on": ("资金下达日期", "funds_arrived_on"),
    "target_beds": ("床位目标", "家庭养老床位目标", "target_beds"),
    "target_person_times": ("人次目标", "上门服务人次目标", "target_person_times"),
    "target_satisfaction": ("满意度目标", "target_satisfaction"),
}
REQUIRED_COLUMNS = ("division_code", "name", "target_beds", "target_person_times")
COLUMN_LABELS = {
    "division_code": "区划代码",
    "name": "地区名称",
    "province": "省份",
    "funds_arrived_on": "资金下达日期",
    "target_beds": "床位目标",
    "target_person_times": "人次目标",
    "target_satisfaction": "满意度目标",
}
_HEADER_TO_COLUMN = {alias.lower(): column for column, aliases in COLUMN_ALIASES.items() for alias in aliases}


@dataclass(frozen=True)
class PilotAreaRow:
    """One data row of the list: its line number in the file and its cells as stripped text."""

    line: int
    values: dict[str, str] = field(default_factory=dict)

    def get(self, column: str) -> str:
        return self.values.get(column, "")


def _normalise_header(header: object) -> str:
    return "".join(str(header or "").replace("\ufeff", "").split()).lower()


def _map_header(headers: list[object]) -> dict[int, str]:
    """Map column positions to canonical columns; refuse a file without the required ones."""
    positions: dict[int, str] = {}
    for index, header in enumerate(headers):
        column = _HEADER_TO_COLUMN.get(_normalise_header(header))
        if column and column not in positions.values():
            positions[index] = column
    missing = [COLUMN_LABELS[column] for column in REQUIRED_COLUMNS if column not in positions.values()]
    if missing:
        raise DomainError(
            _("The file lacks the column(s) %(columns)s; the first row must hold the column headers.")
            % {"columns": "、".join(missing)},
            code="import_missing_columns",
        )
    return positions


def _cell_text(value: object) -> str:
    """Spreadsheet cells come typed: write dates as YYYY-MM-DD and whole numbers without '.0'."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _rows_from_table(table, *, first_line: int = 1) -> list[PilotAreaRow]:
    """Turn (line, cells) pairs, the first being the header, into rows, skipping empty lines."""
    iterator = iter(table)
    try:
        _line, headers = next(iterator)
    except StopIteration:
        raise DomainError(_("The file is empty."), code="import_empty") from None
    positions = _map_header(list(headers))
    rows = []
    for line, cells in iterator:
        values = {column: _cell_text(cells[index]) if index < len(cells) else "" for index, column in positions.items()}
        if any(values.values()):
            rows.append(PilotAreaRow(line=line, values=values))
    return rows


def read_csv(stream: BinaryIO) -> list[PilotAreaRow]:
    """Read a UTF-8 CSV (with or without a byte-order mark, as Excel writes it)."""
    try:
        text = stream.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DomainError(
            _("The CSV file is not UTF-8 text; save it from the spreadsheet as “CSV UTF-8”."),
            code="import_encoding",
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    # reader.line_num is the physical line the row ended on, which is what a clerk sees in an editor.
    return _rows_from_table((reader.line_num, cells) for cells in reader)


def read_xlsx(stream: BinaryIO) -> list[PilotAreaRow]:
    """Read the first worksheet of an XLSX workbook; line numbers are the sheet's row numbers."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(stream, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many types (zipfile, KeyError, InvalidFileException) for a bad file
        raise DomainError(_("The file is not a readable XLSX workbook."), code="import_unreadable") from None
    try:
        sheet = workbook.worksheets[0]
        return _rows_from_table(enumerate(sheet.iter_rows(values_only=True), start=1))
    finally:
        workbook.close()


def read_pilot_area_rows(path: str | Path) -> list[PilotAreaRow]:
    """Read a .csv or .xlsx file of pilot areas into rows, choosing the reader by the file's extension."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise DomainError(
            _("Give a .csv or .xlsx file, not %(suffix)s.") % {"suffix": suffix or path.name},
            code="import_file_type",
        )
    try:
        with path.open("rb") as stream:
            return read_csv(stream) if suffix == ".csv" else read_xlsx(stream)
    except OSError as error:
        raise DomainError(
            _("Cannot open %(path)s: %(error)s") % {"path": path, "error": error.strerror or error},
            code="import_unreadable",
        ) from None
