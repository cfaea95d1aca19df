"""Reading uploaded spreadsheets (CSV, XLSX) within limits, for every importer.

An import file comes from outside: a clerk's export, or something crafted to exhaust the server.
Every importer reads through here, so each file is held to the same limits before any parsing
starts and while it runs:

1. the file's size on disk (`MAX_FILE_BYTES`);
2. for XLSX (a zip archive), the inflated size of its members and their compression ratio, read
   from the zip's central directory without inflating anything: a zip bomb is refused at once;
3. while reading, the number of data rows (`max_rows`, per importer) and of columns
   (`MAX_COLUMNS`); cells beyond the columns are never materialised, and a CSV field may not pass
   `MAX_CELL_CHARACTERS`.
"""

import csv
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from django.utils.translation import gettext_lazy as _

from .errors import DomainError

# A national list or a district's roster is a few MB; 20 MB leaves room for ten times that.
MAX_FILE_BYTES = 20 * 1024 * 1024
# The XML inside an XLSX is 5–10 times its zipped size; 60 MB inflated parses in a few seconds.
MAX_INFLATED_BYTES = 60 * 1024 * 1024
# Spreadsheet XML compresses well, but not by more than this: a higher ratio is a bomb.
MAX_COMPRESSION_RATIO = 150
MAX_COLUMNS = 60
MAX_CELL_CHARACTERS = 2000
DEFAULT_MAX_ROWS = 100_000


def _refuse(message, code: str):
    raise DomainError(message, code=code)


def check_file_size(path: Path) -> None:
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        _refuse(
            _("The file is %(size).1f MB; files up to %(limit)d MB are accepted.")
            % {"size": size / 1024 / 1024, "limit": MAX_FILE_BYTES // 1024 // 1024},
            "import_too_large",
        )


def check_zip_members(stream: BinaryIO) -> None:
    """Refuse an XLSX whose members would inflate beyond the limits (nothing is inflated here)."""
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, OSError, ValueError):
        _refuse(_("The file is not a readable XLSX workbook."), "import_unreadable")
    with archive:
        total = 0
        for member in archive.infolist():
            total += member.file_size
            ratio = member.file_size / max(member.compress_size, 1)
            if total > MAX_INFLATED_BYTES or (member.file_size > 1024 * 1024 and ratio > MAX_COMPRESSION_RATIO):
                _refuse(
                    _(
                        "The workbook would unpack to more than %(limit)d MB (or is compressed suspiciously "
                        "well): it is refused unread. Save it again from the spreadsheet, without empty rows "
                        "and columns."
                    )
                    % {"limit": MAX_INFLATED_BYTES // 1024 // 1024},
                    "import_bomb",
                )
    stream.seek(0)


def _too_many_rows(max_rows: int):
    _refuse(
        _("The file has more than %(limit)d data rows; split it into several files.") % {"limit": max_rows},
        "import_too_many_rows",
    )


def _limited(rows: Iterator[tuple[int, list]], max_rows: int) -> Iterator[tuple[int, list]]:
    """Pass (line, cells) on, refusing too many rows or too wide ones; the header counts as a row,
    empty rows do not (spreadsheets keep formatted empty rows)."""
    filled = 0
    for line, cells in rows:
        if any(cell is not None and str(cell).strip() for cell in cells):
            filled += 1
            if filled > max_rows + 1:
                _too_many_rows(max_rows)
        if len(cells) > MAX_COLUMNS and any(cell not in (None, "") for cell in cells[MAX_COLUMNS:]):
            _refuse(
                _("Line %(line)d has more than %(limit)d columns.") % {"line": line, "limit": MAX_COLUMNS},
                "import_too_many_columns",
            )
        yield line, list(cells[:MAX_COLUMNS])


def csv_table(path: Path, *, max_rows: int = DEFAULT_MAX_ROWS) -> Iterator[tuple[int, list]]:
    """(line, cells) of a UTF-8 CSV (with or without a byte-order mark, as Excel writes it), streamed."""
    check_file_size(path)

    def rows():
        previous_limit = csv.field_size_limit(MAX_CELL_CHARACTERS)
        with path.open("rb") as raw, io.TextIOWrapper(raw, encoding="utf-8-sig", newline="") as text:
            reader = csv.reader(text)
            # reader.line_num is the physical line the row ended on, which is what a clerk sees in an editor.
            try:
                for cells in reader:
                    yield reader.line_num, cells
            except UnicodeDecodeError:
                _refuse(
                    _("The CSV file is not UTF-8 text; save it from the spreadsheet as “CSV UTF-8”."),
                    "import_encoding",
                )
            except csv.Error:
                _refuse(
                    _(
                        "Line %(line)d cannot be read as CSV (a cell longer than %(limit)d characters, "
                        "or a broken quote)."
                    )
                    % {"line": reader.line_num, "limit": MAX_CELL_CHARACTERS},
                    "import_unreadable",
                )
            finally:
                csv.field_size_limit(previous_limit)

    return _limited(rows(), max_rows)


def xlsx_table(path: Path, *, max_rows: int = DEFAULT_MAX_ROWS) -> Iterator[tuple[int, list]]:
    """(line, cells) of the first worksheet of an XLSX workbook; lines are the sheet's row numbers."""
    from openpyxl import load_workbook

    check_file_size(path)
    with path.open("rb") as stream:
        check_zip_members(stream)
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many types (zipfile, KeyError, InvalidFileException) for a bad file
        _refuse(_("The file is not a readable XLSX workbook."), "import_unreadable")

    def rows():
        try:
            sheet = workbook.worksheets[0]
            # One row and one column past the limits, so a file that passes them is noticed.
            cells = sheet.iter_rows(max_row=max_rows + 2, max_col=MAX_COLUMNS + 1, values_only=True)
            yield from enumerate(cells, start=1)
        finally:
            workbook.close()

    return _limited(rows(), max_rows)


def read_table(path: str | Path, *, max_rows: int = DEFAULT_MAX_ROWS) -> Iterator[tuple[int, list]]:
    """(line, cells) of a .csv or .xlsx file, the reader chosen by the file's extension."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        _refuse(_("Give a .csv or .xlsx file, not %(suffix)s.") % {"suffix": suffix or path.name}, "import_file_type")
    try:
        return csv_table(path, max_rows=max_rows) if suffix == ".csv" else xlsx_table(path, max_rows=max_rows)
    except OSError as error:
        raise DomainError(
            _("Cannot open %(path)s: %(error)s") % {"path": path, "error": error.strerror or error},
            code="import_unreadable",
        ) from None
