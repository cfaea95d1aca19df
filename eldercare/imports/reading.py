"""Turn an uploaded file into typed rows of one template kind, and name every bad cell.

The file is read through `core.spreadsheets.read_table` (its size, zip-bomb, row and column limits)
and `areas.importers.rows_from_table` (headers mapped by the kind's `TableSpec`). Each cell is then
held to the input policy (`core.input_policy`: no control characters, dates in the calendar window)
and parsed by its column's declared type; a cell that fails becomes a `CellError` naming its line,
its column's Chinese header and what is wrong.
"""

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from eldercare.areas.importers import ImportRow, rows_from_table
from eldercare.core.input_policy import forbidden_character, validate_date
from eldercare.core.spreadsheets import read_table

from .columns import BOOLEAN, CODE, DATE, DATETIME, INTEGER, Column, Kind

DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日")
DATETIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M")


@dataclass(frozen=True)
class CellError:
    line: int
    column: str  # the column's Chinese header, or "" for the row as a whole
    message: str

    def __str__(self) -> str:
        if self.column:
            return _("Line %(line)d, column %(column)s: %(message)s") % {
                "line": self.line,
                "column": self.column,
                "message": self.message,
            }
        return _("Line %(line)d: %(message)s") % {"line": self.line, "message": self.message}


@dataclass
class ParsedRow:
    line: int
    values: dict = field(default_factory=dict)
    raw: dict = field(default_factory=dict)
    bad: bool = False


def _keep_times(cells: list) -> list:
    """A cell typed as a date and time keeps its time (the table reader writes datetimes as days)."""
    return [
        cell.strftime("%Y-%m-%d %H:%M:%S") if isinstance(cell, dt.datetime) and cell.time() != dt.time() else cell
        for cell in cells
    ]


def read_file(path: str | Path, kind: Kind) -> list[ImportRow]:
    """The file's data rows as text keyed by column (refuses a file beyond the limits: DomainError)."""
    spec = kind.spec
    table = ((line, _keep_times(cells)) for line, cells in read_table(path, max_rows=spec.max_rows))
    return rows_from_table(table, spec)


def _parse_date(text: str) -> dt.date | None:
    for pattern in DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, pattern).date()  # noqa: DTZ007 - a calendar day, not a time
        except ValueError:
            continue
    return None


class _Lookup:
    """The allowed values of each coded column, loaded once per import."""

    def __init__(self, kind: Kind):
        self.values: dict[str, dict[str, object]] = {}
        for column in kind.columns:
            if column.choices is not None and column.choices.name not in self.values:
                pairs = column.choices.values()
                allowed = dict(pairs)
                allowed.update({str(stored): stored for _shown, stored in pairs})
                self.values[column.choices.name] = allowed

    def find(self, column: Column, text: str):
        allowed = self.values[column.choices.name]
        if column.type == CODE:
            # A code may be followed by its name ("110114001 城北街道"), as the code sheet shows them.
            token = text.split()[0]
            return allowed.get(token, allowed.get(token.upper()))
        return allowed.get(text, allowed.get(text.lower()))


def _parse_cell(column: Column, text: str, lookup: _Lookup):
    """The cell's value, or raise ValueError with the message for the clerk."""
    found = forbidden_character(text, multiline=False)
    if found:
        raise ValueError(
            _("This contains the control character %(character)s, which is not allowed here.") % {"character": found}
        )
    if column.choices is not None:
        value = lookup.find(column, text)
        if value is None:
            if column.type == CODE:
                raise ValueError(_("Unknown %(what)s code %(value)s.") % {"what": column.choices.name, "value": text})
            raise ValueError(
                _("%(value)s is not one of the allowed values (%(allowed)s).")
                % {"value": text, "allowed": "、".join(shown for shown, _stored in column.choices.values()[:12])}
            )
        return value
    if column.type == DATE:
        day = _parse_date(text)
        if day is None:
            raise ValueError(_("%(value)s is not a date; write it as 2024-03-01.") % {"value": text})
        try:
            validate_date(day)
        except ValidationError as error:
            raise ValueError(" ".join(error.messages)) from None
        return day
    if column.type == DATETIME:
        for pattern in DATETIME_FORMATS:
            try:
                return dt.datetime.strptime(text, pattern)  # noqa: DTZ007 - made aware in the programme's zone
            except ValueError:
                continue
        raise ValueError(_("%(value)s is not a date and time; write it as 2024-03-01 09:30.") % {"value": text})
    if column.type == INTEGER:
        if not (text.isascii() and text.isdigit() and len(text) <= 9):
            raise ValueError(_("%(value)s is not a whole number.") % {"value": text})
        return int(text)
    if column.type == BOOLEAN:
        return text in ("是", "1", "true", "True", "yes")
    return text


def parse_rows(kind: Kind, rows: list[ImportRow]) -> tuple[list[ParsedRow], list[CellError]]:
    """Parse every row; each bad cell is one error, and a row with any is marked bad."""
    lookup = _Lookup(kind)
    parsed, errors = [], []
    for row in rows:
        result = ParsedRow(line=row.line, raw=dict(row.values))
        for column in kind.columns:
            text = row.get(column.key)
            if not text:
                if column.required:
                    errors.append(CellError(row.line, column.header, _("This column is required.")))
                    result.bad = True
                continue
            try:
                result.values[column.key] = _parse_cell(column, text, lookup)
            except ValueError as error:
                errors.append(CellError(row.line, column.header, str(error)))
                result.bad = True
        parsed.append(result)
    return parsed, errors


def service_errors(line: int, error: Exception, kind: Kind, field_columns: dict[str, str]) -> list[CellError]:
    """A service's refusal (ValidationError or DomainError) as cell errors, fields named by their columns."""
    from eldercare.core.errors import DomainError

    if isinstance(error, DomainError):
        error = error.as_validation_error()
    labels = {column.key: column.header for column in kind.columns}
    if hasattr(error, "error_dict"):
        found = []
        for name, messages in error.message_dict.items():
            column = labels.get(field_columns.get(name, name), "")
            found.extend(CellError(line, column, message) for message in messages)
        return list(dict.fromkeys(found))  # a rule checked by a field and by the model names it once
    return [CellError(line, "", message) for message in error.messages]
