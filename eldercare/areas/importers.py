"""Read the official list of a batch's pilot areas (CSV or XLSX) into raw rows.

Reading only turns cells into text keyed by column; every check on the values lives in
`services.pilot_areas_import`, so an upload in the admin and the command refuse the same rows
with the same messages.
"""

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.translation import gettext_lazy as _

from eldercare.core.errors import DomainError
from eldercare.core.spreadsheets import read_table

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


# A batch has some dozens of pilot areas; a list of a thousand rows is not one.
MAX_AREA_ROWS = 1000


def read_pilot_area_rows(path: str | Path) -> list[PilotAreaRow]:
    """Read a .csv or .xlsx file of pilot areas into rows, within the limits of `core.spreadsheets`."""
    return _rows_from_table(read_table(path, max_rows=MAX_AREA_ROWS))
