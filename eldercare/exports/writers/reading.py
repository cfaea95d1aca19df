"""Reading an export file back, for `verify_export`, the verify page and the tests.

Every reader returns the header, the data rows typed by the columns' kinds (lazily) and the
provenance the file came with (None when a CSV arrives without its sidecar: its header then says
which ledger it is, and the data hash alone finds the export). Readers are tolerant of what a
spreadsheet does when it saves a file again (no byte-order mark, GB 18030 instead of UTF-8, decimals
without trailing zeros, whole numbers as 3.0, dates with slashes) and strict about everything else.
Archives are checked before anything is inflated: an upload may be a zip bomb.
"""

import codecs
import csv
import datetime as dt
import io
import json
import zipfile
from collections.abc import Callable, Iterator
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import BinaryIO

from django.utils.translation import gettext as _

from ..reports import ledger_with_header
from .provenance import PROVENANCE_SHEET, SIDECAR_SUFFIX
from .tabular import DATA_SHEET, unneutralise

# An export's data compress well, but not beyond this: a higher ratio is a zip bomb.
MAX_COMPRESSION_RATIO = 200
# A national visit ledger is a few gigabytes of CSV or XML; anything larger is not an export.
MAX_INFLATED_BYTES = 8 * 1024**3
# A CSV export's zip holds the data and the sidecar; a workbook holds a few dozen parts.
MAX_ZIP_MEMBERS = 200


class UnreadableExport(Exception):
    pass


def _number(text: str) -> Decimal:
    try:
        return Decimal(text.replace(",", ""))
    except InvalidOperation:
        raise UnreadableExport(_("“%(text)s” is not a number.") % {"text": text}) from None


def _date(text: str) -> dt.date:
    return _moment(text).date() if " " in text or "T" in text else dt.date(*map(int, text.replace("/", "-").split("-")))


def _moment(text: str) -> dt.datetime:
    day, _sep, time = text.replace("T", " ").partition(" ")
    parts = [int(part) for part in (time or "0:0").split(":")] + [0, 0]
    return dt.datetime.combine(_date(day), dt.time(*parts[:3]))


def typed_from_text(text: str, kind: str):
    """A CSV cell as the value it was written from."""
    if text == "":
        return None
    try:
        if kind == "int":
            number = _number(text)
            if number != number.to_integral_value():
                raise UnreadableExport(_("“%(text)s” is not a whole number.") % {"text": text})
            return int(number)
        if kind == "dec":
            return _number(text)
        if kind == "date":
            return _date(text)
        if kind == "datetime":
            return _moment(text)
    except ValueError as error:
        raise UnreadableExport(_("“%(text)s” cannot be read: %(error)s") % {"text": text, "error": error}) from None
    return unneutralise(text)


def typed_from_cell(value, kind: str):
    """An XLSX cell as the value it was written from."""
    if value is None or value == "":
        return None
    if kind == "datetime" and isinstance(value, dt.datetime):
        return (value + dt.timedelta(microseconds=500_000)).replace(microsecond=0)  # undo float rounding
    if kind == "int" and isinstance(value, float) and value.is_integer():
        return int(value)
    if kind == "dec" and isinstance(value, float):
        return Decimal(repr(value))
    if kind == "str" and not isinstance(value, str):
        return str(value)
    return value


def check_archive(stream: BinaryIO) -> zipfile.ZipFile:
    """The zip, once its central directory shows nothing that would inflate beyond the limits."""
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise UnreadableExport(_("The file is not a readable zip archive or workbook.")) from error
    members = archive.infolist()
    inflated = sum(member.file_size for member in members)
    too_dense = any(
        member.file_size > 1024 * 1024 and member.file_size / max(member.compress_size, 1) > MAX_COMPRESSION_RATIO
        for member in members
    )
    if len(members) > MAX_ZIP_MEMBERS or inflated > MAX_INFLATED_BYTES or too_dense:
        archive.close()
        raise UnreadableExport(_("The archive would unpack to far more than an export holds: it is refused unread."))
    return archive


def _encoding(opener: Callable[[], BinaryIO]) -> str:
    """UTF-8 (with or without a byte-order mark), or GB 18030 as Excel saves a CSV on Chinese Windows."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with opener() as raw:
        try:
            for block in iter(lambda: raw.read(1 << 20), b""):
                decoder.decode(block)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "gb18030"
    return "utf-8-sig"


def read_csv_stream(opener: Callable[[], BinaryIO], provenance: dict | None):
    """Header, typed rows and provenance of CSV data; without provenance the header must name a ledger."""
    encoding = _encoding(opener)
    with opener() as raw, io.TextIOWrapper(raw, encoding=encoding, newline="") as text:
        header = [unneutralise(cell) for cell in next(csv.reader(text), [])]
    if provenance is not None:
        kinds = [kind for _label, kind in provenance["columns"]]
    else:
        ledger = ledger_with_header(header)
        if ledger is None:
            raise UnreadableExport(_("The header row is not that of any export, and no provenance came with it."))
        kinds = [column.kind for column in ledger.columns]

    def rows() -> Iterator[list]:
        with opener() as raw, io.TextIOWrapper(raw, encoding=encoding, newline="") as text:
            reader = csv.reader(text)
            next(reader, None)
            for row in reader:
                if not any(cell.strip() for cell in row):
                    continue  # a blank line a spreadsheet left at the end
                if len(row) != len(kinds):
                    raise UnreadableExport(
                        _("A data row has %(n)d cells, not %(m)d.") % {"n": len(row), "m": len(kinds)}
                    )
                yield [typed_from_text(cell, kind) for cell, kind in zip(row, kinds, strict=True)]

    return header, rows(), provenance


def sidecar_for(path: str) -> dict | None:
    """The provenance saved next to an extracted CSV (`x.csv` → `x.provenance.json`), if it is there."""
    candidate = Path(path).with_suffix(SIDECAR_SUFFIX)
    if candidate.exists():
        return json.loads(candidate.read_text(encoding="utf-8"))
    return None


def read_csv(path: str, provenance: dict | None = None):
    """An extracted CSV, with the provenance given, or from its sidecar next to it, or from its header."""
    if provenance is None:
        provenance = sidecar_for(path)
    return read_csv_stream(lambda: open(path, "rb"), provenance)


def read_zip(path: str):
    """A CSV export as downloaded: the zip of the data and its provenance sidecar."""
    with open(path, "rb") as handle:
        archive = check_archive(handle)
        names = archive.namelist()
        archive.close()
    data = [name for name in names if name.lower().endswith(".csv")]
    sidecars = [name for name in names if name.endswith(SIDECAR_SUFFIX)]
    if len(data) != 1 or len(sidecars) > 1:
        raise UnreadableExport(_("The zip should hold one CSV file and its .provenance.json."))
    provenance = None
    if sidecars:
        with zipfile.ZipFile(path) as archive:
            provenance = json.loads(archive.read(sidecars[0]).decode("utf-8"))

    def opener():
        # The entry keeps the archive's file open after the archive is closed, until it is closed itself.
        with zipfile.ZipFile(path) as archive:
            return archive.open(data[0])

    return read_csv_stream(opener, provenance)


def _provenance_from_pairs(pairs) -> dict:
    for pair in pairs:
        if len(pair) >= 2 and pair[0] == "json":
            return json.loads(unneutralise(pair[1]))
    raise UnreadableExport(_("The provenance sheet has no json row."))


def read_xlsx(path: str):
    """Header, typed data rows (lazily, sheet after sheet) and provenance of an exported workbook."""
    from openpyxl import load_workbook

    with open(path, "rb") as handle:
        check_archive(handle).close()
    # An open file, not the path: openpyxl judges a path by its extension, and an upload has none.
    handle = open(path, "rb")  # noqa: SIM115 - closed with the workbook, once the rows are read
    try:
        workbook = load_workbook(handle, read_only=True, data_only=False)
    except Exception as error:  # openpyxl raises many kinds for a broken workbook
        handle.close()
        raise UnreadableExport(_("The file is not a readable zip archive or workbook.")) from error
    if PROVENANCE_SHEET not in workbook.sheetnames:
        workbook.close()
        handle.close()
        raise UnreadableExport(_("The workbook has no provenance sheet."))
    provenance = _provenance_from_pairs(
        [
            [str(c) if c is not None else "" for c in row]
            for row in workbook[PROVENANCE_SHEET].iter_rows(values_only=True)
        ]
    )
    kinds = [kind for _label, kind in provenance["columns"]]
    data_sheets = [name for name in workbook.sheetnames if name.startswith(DATA_SHEET)]
    header = [str(c) for c in next(workbook[data_sheets[0]].iter_rows(max_row=1, values_only=True))]

    def rows():
        for name in data_sheets:
            for row in workbook[name].iter_rows(min_row=2, values_only=True):
                if all(value is None for value in row):
                    continue
                cells = list(row[: len(kinds)]) + [None] * (len(kinds) - len(row))
                yield [typed_from_cell(value, kind) for value, kind in zip(cells, kinds, strict=True)]
        workbook.close()
        handle.close()

    return header, rows(), provenance
