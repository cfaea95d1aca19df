"""Read official lists (CSV or XLSX) into raw rows: a batch's pilot areas, and a list of townships.

Reading only turns cells into text keyed by column; every check on the values lives in the
services (`services.pilot_areas_import`, `township_services.townships_import`), so an upload in the
admin and the commands refuse the same rows with the same messages. Each list is a `TableSpec`: the
headers it accepts per column, the columns it needs, and the label its messages use.
"""

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.translation import gettext_lazy as _

from eldercare.core.errors import DomainError
from eldercare.core.spreadsheets import read_table


@dataclass(frozen=True)
class TableSpec:
    # Canonical column → accepted headers (compared after stripping spaces and lower-casing).
    aliases: dict[str, tuple[str, ...]]
    required: tuple[str, ...]
    # The column's name in messages: the header the official template uses.
    labels: dict[str, str]
    max_rows: int

    def column_for(self, header: object) -> str | None:
        wanted = _normalise_header(header)
        for column, aliases in self.aliases.items():
            if wanted in {alias.lower() for alias in aliases}:
                return column
        return None


# A batch has some dozens of pilot areas; a list of a thousand rows is not one.
MAX_AREA_ROWS = 1000
PILOT_AREAS = TableSpec(
    aliases={
        "division_code": ("区划代码", "行政区划代码", "division_code", "code"),
        "name": ("地区名称", "项目地区", "name"),
        "province": ("省份", "省", "province"),
        "funds_arrived_on": ("资金下达日期", "funds_arrived_on"),
        "target_beds": ("床位目标", "家庭养老床位目标", "target_beds"),
        "target_person_times": ("人次目标", "上门服务人次目标", "target_person_times"),
        "target_satisfaction": ("满意度目标", "target_satisfaction"),
    },
    required=("division_code", "name", "target_beds", "target_person_times"),
    labels={
        "division_code": "区划代码",
        "name": "地区名称",
        "province": "省份",
        "funds_arrived_on": "资金下达日期",
        "target_beds": "床位目标",
        "target_person_times": "人次目标",
        "target_satisfaction": "满意度目标",
    },
    max_rows=MAX_AREA_ROWS,
)
# Kept under their old names: the pilot-area import and its tests read them.
COLUMN_ALIASES = PILOT_AREAS.aliases
REQUIRED_COLUMNS = PILOT_AREAS.required
COLUMN_LABELS = PILOT_AREAS.labels

# The whole country has about 38,800 township-level divisions; a national list fits with room.
MAX_TOWNSHIP_ROWS = 60_000
TOWNSHIPS = TableSpec(
    aliases={
        "code": ("code", "乡级区划代码", "街道代码", "乡镇代码", "区划代码", "统计用区划代码", "代码"),
        "name": ("name", "名称", "街道名称", "乡镇名称", "街道（乡镇）名称", "街道(乡镇)名称"),
        "county_code": ("county_code", "areacode", "区县代码", "县级区划代码", "所属区县代码"),
    },
    required=("code", "name", "county_code"),
    labels={"code": "乡级区划代码", "name": "名称", "county_code": "区县代码"},
    max_rows=MAX_TOWNSHIP_ROWS,
)


@dataclass(frozen=True)
class ImportRow:
    """One data row of a list: its line number in the file and its cells as stripped text."""

    line: int
    values: dict[str, str] = field(default_factory=dict)

    def get(self, column: str) -> str:
        return self.values.get(column, "")


PilotAreaRow = ImportRow


def _normalise_header(header: object) -> str:
    return "".join(str(header or "").replace("\ufeff", "").split()).lower()


def _map_header(headers: list[object], spec: TableSpec) -> dict[int, str]:
    """Map column positions to canonical columns; refuse a file without the required ones."""
    positions: dict[int, str] = {}
    for index, header in enumerate(headers):
        column = spec.column_for(header)
        if column and column not in positions.values():
            positions[index] = column
    missing = [spec.labels[column] for column in spec.required if column not in positions.values()]
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


def rows_from_table(table, spec: TableSpec) -> list[ImportRow]:
    """Turn (line, cells) pairs, the first being the header, into rows, skipping empty lines."""
    iterator = iter(table)
    try:
        _line, headers = next(iterator)
    except StopIteration:
        raise DomainError(_("The file is empty."), code="import_empty") from None
    positions = _map_header(list(headers), spec)
    rows = []
    for line, cells in iterator:
        values = {column: _cell_text(cells[index]) if index < len(cells) else "" for index, column in positions.items()}
        if any(values.values()):
            rows.append(ImportRow(line=line, values=values))
    return rows


def read_rows(path: str | Path, spec: TableSpec) -> list[ImportRow]:
    """Read a .csv or .xlsx file into rows of `spec`, within the limits of `core.spreadsheets`."""
    return rows_from_table(read_table(path, max_rows=spec.max_rows), spec)


def read_pilot_area_rows(path: str | Path) -> list[ImportRow]:
    """Read a .csv or .xlsx file of pilot areas into rows."""
    return read_rows(path, PILOT_AREAS)


def read_township_rows(path: str | Path) -> list[ImportRow]:
    """Read a .csv or .xlsx list of townships (code, name, county_code) into rows."""
    return read_rows(path, TOWNSHIPS)
