"""CSV (in a zip with its provenance sidecar) and XLSX: data sheets that hold only the table.

CSV: a zip of `<name>.csv` (UTF-8 with BOM, the header and the data rows, nothing else: pandas,
Excel and LibreOffice read it as a table) and `<name>.provenance.json` (the provenance, with the
data hash and the totals). Text cells that begin with = + - @ tab, CR or a quote get a leading
`'` against formula injection (removed again when reading back, so the hash is of the original).

XLSX: the data on sheet "数据" (continued on "数据2", … past Excel's row limit) with a frozen,
bold header row, an autofilter over exactly the data, the columns' number formats and a print
setup (A4 landscape, fit to the page width, the header row repeated, page x of y); the totals, when
the report has them, on sheet "合计" beside the data (outside the autofilter, so sorting or
filtering never takes them in); the provenance on a last sheet "导出说明".
"""

import csv
import io
import zipfile
from collections.abc import Callable, Iterator

from ..reports import Column, Report
from .canonical import RowHasher, canonical, fixed, prepare
from .provenance import PROVENANCE_SHEET, SIDECAR_SUFFIX, chinese_date, provenance_rows, sidecar_json

BOM = "\ufeff"
DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r", "'")
DATA_SHEET = "数据"
TOTALS_SHEET = "合计"
XLSX_MAX_DATA_ROWS = 1_048_575  # Excel's 1,048,576 rows less the header
# Rows encoded per chunk of a streamed CSV: large enough to keep the writes efficient, small
# enough that a chunk is a few hundred kilobytes.
CSV_CHUNK_ROWS = 1000
PROGRESS_EVERY_ROWS = 5000


def neutralise(text: str) -> str:
    """Keep a text cell from being read as a formula by a spreadsheet."""
    return "'" + text if text.startswith(DANGEROUS_START) else text


def unneutralise(text: str) -> str:
    return text[1:] if text.startswith("'") else text


def _csv_cell(value, column: Column) -> str:
    if value is None:
        return ""
    if column.kind == "str":
        return neutralise(str(value))
    if column.kind == "dec":
        return fixed(value, column)
    return canonical(value, column.kind)


def totals_record(report: Report) -> dict:
    """The report's totals by column label, in canonical form (for the sidecar and the provenance)."""
    if report.totals is None:
        return {}
    row = report.totals()
    return {
        column.label: canonical(value, column.kind)
        for column, value in zip(report.columns, row, strict=True)
        if value is not None
    }


def csv_chunks(report: Report, provenance: dict, *, on_progress: Callable[[int], None] | None = None) -> Iterator[str]:
    """The CSV data as text chunks: the header, then the rows; the hash and row count go into `provenance`."""
    hasher = RowHasher(report.columns)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralise(column.label) for column in report.columns])
    yield BOM + buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    for row in report.rows:
        values = prepare(row, report.columns)
        hasher.add(values)
        writer.writerow([_csv_cell(value, column) for value, column in zip(values, report.columns, strict=True)])
        if hasher.rows % CSV_CHUNK_ROWS == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
        if on_progress and hasher.rows % PROGRESS_EVERY_ROWS == 0:
            on_progress(hasher.rows)
    provenance.update(rows=hasher.rows, sha256=hasher.hexdigest())
    yield buffer.getvalue()


def csv_bytes(report: Report, provenance: dict, *, on_progress: Callable[[int], None] | None = None) -> Iterator[bytes]:
    """The CSV file as byte chunks: by COPY where the ledger is computed in SQL (writers.copying),
    else from `csv_chunks`; the same bytes and the same data hash either way."""
    from .copying import can_copy, copy_csv_bytes

    if not can_copy(report):
        for chunk in csv_chunks(report, provenance, on_progress=on_progress):
            yield chunk.encode("utf-8")
        return
    hasher = RowHasher(report.columns)
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow([neutralise(column.label) for column in report.columns])
    yield (BOM + buffer.getvalue()).encode("utf-8")
    yield from copy_csv_bytes(report, hasher, on_progress=on_progress)
    provenance.update(rows=hasher.rows, sha256=hasher.hexdigest())


# Chunks compressed and written behind the reading at most: memory stays a few megabytes.
WRITE_BEHIND_CHUNKS = 8


def _write_behind(raw, chunks: Iterator[bytes]) -> None:
    """Write the chunks in order from a thread of their own: deflate releases the GIL, so the file is
    compressed while the next rows are read (from COPY, the database's time), not after."""
    from collections import deque
    from concurrent.futures import ThreadPoolExecutor

    pending: deque = deque()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="export-write") as writer:
        for chunk in chunks:
            pending.append(writer.submit(raw.write, chunk))
            if len(pending) > WRITE_BEHIND_CHUNKS:
                pending.popleft().result()
        while pending:
            pending.popleft().result()


def write_csv_zip(
    report: Report, provenance: dict, path: str, *, stem: str, on_progress: Callable[[int], None] | None = None
) -> None:
    """The zip of `<stem>.csv` and `<stem>.provenance.json`; the CSV is streamed into it row by row."""
    # The fastest deflate: a national visit ledger is gigabytes of CSV, and level 6 took as long as
    # the database took to compute it, for a zip a fifth smaller.
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        # zip64: a national visit ledger passes 2 GB; the entry is written before its size is known.
        with archive.open(f"{stem}.csv", "w", force_zip64=True) as raw:
            _write_behind(raw, csv_bytes(report, provenance, on_progress=on_progress))
        provenance.update(data_file=f"{stem}.csv", totals=totals_record(report))
        archive.writestr(f"{stem}{SIDECAR_SUFFIX}", sidecar_json(provenance).encode("utf-8"))


# --- XLSX ---------------------------------------------------------------------------------------


def _print_setup(sheet, *, title: str, header_row: bool = True) -> None:
    """A4 landscape, as wide as the page and as many pages down as needed, header repeated, page x of y."""
    from openpyxl.worksheet.properties import PageSetupProperties

    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = 9  # A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.print_options.gridLines = True
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    if header_row:
        sheet.print_title_rows = "1:1"
    sheet.oddHeader.center.text = title
    sheet.oddFooter.center.text = "第 &P 页，共 &N 页"


def _header_cells(sheet, labels: list[str]) -> list:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font

    bold, wrap = Font(bold=True), Alignment(wrap_text=True, vertical="center")
    cells = []
    for label in labels:
        cell = WriteOnlyCell(sheet, value=label)
        cell.font, cell.alignment = bold, wrap
        cells.append(cell)
    return cells


def _cell(sheet, value, column: Column):
    from openpyxl.cell import WriteOnlyCell

    if value is None:
        return None
    cell = WriteOnlyCell(sheet, value=value)
    if column.kind == "str":
        cell.data_type = "s"  # text, never a formula
    elif column.number_format:
        cell.number_format = column.number_format
    return cell


def write_xlsx(
    report: Report, provenance: dict, path: str, *, on_progress: Callable[[int], None] | None = None
) -> None:
    """A write-only workbook: constant memory for the rows (openpyxl keeps only distinct strings)."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    hasher = RowHasher(report.columns)
    last_column = get_column_letter(len(report.columns))
    title = f"{report.title}（截至{chinese_date(provenance.get('as_of', ''))}）"

    def new_sheet(number: int):
        sheet = workbook.create_sheet(DATA_SHEET if number == 1 else f"{DATA_SHEET}{number}")
        sheet.freeze_panes = "A2"
        for index, column in enumerate(report.columns, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = column.width
        _print_setup(sheet, title=title)
        sheet.append(_header_cells(sheet, [column.label for column in report.columns]))
        return sheet

    def close_sheet(sheet, rows: int) -> None:
        sheet.auto_filter.ref = f"A1:{last_column}{rows + 1}"

    sheet_number, sheet = 1, new_sheet(1)
    in_sheet = 0
    for row in report.rows:
        if in_sheet == XLSX_MAX_DATA_ROWS:
            close_sheet(sheet, in_sheet)
            sheet_number += 1
            sheet, in_sheet = new_sheet(sheet_number), 0
        values = prepare(row, report.columns)
        hasher.add(values)
        sheet.append([_cell(sheet, value, column) for value, column in zip(values, report.columns, strict=True)])
        in_sheet += 1
        if on_progress and hasher.rows % PROGRESS_EVERY_ROWS == 0:
            on_progress(hasher.rows)
    close_sheet(sheet, in_sheet)
    provenance.update(rows=hasher.rows, sha256=hasher.hexdigest(), totals=totals_record(report))
    if report.totals is not None:
        _totals_sheet(workbook, report, hasher.rows, title)
    _provenance_sheet(workbook, provenance)
    workbook.save(path)


def _totals_sheet(workbook, report: Report, rows: int, title: str) -> None:
    """One line per column that has a total: its label and the total of all the data rows."""
    sheet = workbook.create_sheet(TOTALS_SHEET)
    sheet.column_dimensions["A"].width = 30
    sheet.column_dimensions["B"].width = 20
    _print_setup(sheet, title=f"{title} 合计")
    sheet.append(_header_cells(sheet, ["项目", f"合计（全部 {rows} 行数据）"]))
    for column, value in zip(report.columns, report.totals(), strict=True):
        if value is not None and column.kind != "str":  # the figures; a label like 范围内合计 says nothing here
            sheet.append([_cell(sheet, column.label, Column(column.label)), _cell(sheet, value, column)])


def _provenance_sheet(workbook, provenance: dict) -> None:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment

    info = workbook.create_sheet(PROVENANCE_SHEET)
    info.column_dimensions["A"].width = 22
    info.column_dimensions["B"].width = 100
    _print_setup(info, title=PROVENANCE_SHEET, header_row=False)
    wrap = Alignment(wrap_text=True, vertical="top")
    for label, value in provenance_rows(provenance):
        cell = WriteOnlyCell(info, value=value)
        cell.data_type = "s"
        if label != "json":
            cell.alignment = wrap
        info.append([label, cell])
