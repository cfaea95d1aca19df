"""Writing and reading export files, and the data hash that makes them tamper-evident.

The data hash
    SHA-256 over the header row and every data row, one line each: the JSON array (UTF-8,
    no spaces) of the row's cells in canonical form: "" for empty, integers in decimal,
    decimals in plain notation without trailing zeros, dates `YYYY-MM-DD`, times
    `YYYY-MM-DD HH:MM:SS` (Beijing time, whole seconds), text as is. It depends on the values
    only, so the XLSX and the CSV of one export have the same hash, and `verify_export`
    recomputes it from a file by reading the cells back with the column types the file records.

Where the provenance goes
    XLSX: the data on sheet "数据" (continued on "数据2", … past Excel's row limit), the
    provenance on a last sheet "导出说明" (key/value rows, then a `json` row).
    CSV: UTF-8 with BOM, header and data rows, then one empty row, then the provenance as
    key/value rows ending with a `json` row; a reader stops at the empty row. Text cells that
    begin with = + - @ tab, CR or a quote get a leading `'` against formula injection (removed
    again when reading back, so the hash is of the original value).
    PDF: a last page "导出说明" and the document metadata (subject: the data hash). A PDF is
    checked by the SHA-256 of its bytes, which the export record keeps.
"""

import csv
import datetime as dt
import hashlib
import io
import json
import os
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from eldercare.core.errors import DomainError

from .reports import Column, Report

BOM = "\ufeff"
DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r", "'")
DATA_SHEET = "数据"
PROVENANCE_SHEET = "导出说明"
PROVENANCE_MARKER = "#导出说明"
XLSX_MAX_DATA_ROWS = 1_048_575  # Excel's 1,048,576 rows less the header
# Rows encoded per chunk of a streamed CSV: large enough to keep the response efficient, small
# enough that a chunk is a few hundred kilobytes.
CSV_CHUNK_ROWS = 1000
PROGRESS_EVERY_ROWS = 5000


# --- Canonical form and hashing ------------------------------------------------------------------


def local_naive(value: dt.datetime) -> dt.datetime:
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.replace(tzinfo=None, microsecond=0)


def canonical(value, kind: str) -> str:
    if value is None or value == "":
        return ""
    if kind == "int":
        return str(int(value))
    if kind == "dec":
        number = Decimal(str(value)).normalize()
        return format(number, "f") if number != 0 else "0"
    if kind == "date":
        if isinstance(value, dt.datetime):
            value = value.date()
        return value.isoformat()
    if kind == "datetime":
        return local_naive(value).strftime("%Y-%m-%d %H:%M:%S")
    return str(value)


class RowHasher:
    def __init__(self, columns: list[Column]):
        self.kinds = [column.kind for column in columns]
        self.digest = hashlib.sha256()
        self.rows = 0
        self._line([column.label for column in columns], header=True)

    def _line(self, cells: list[str], header: bool = False) -> None:
        self.digest.update(json.dumps(cells, ensure_ascii=False, separators=(",", ":")).encode() + b"\n")

    def add(self, row: Iterable) -> None:
        self._line([canonical(value, kind) for value, kind in zip(row, self.kinds, strict=True)])
        self.rows += 1

    def hexdigest(self) -> str:
        return self.digest.hexdigest()


def prepare(row: tuple, columns: list[Column]) -> list:
    """Make a row's values what the files hold: local whole-second times, None for empty."""
    out = []
    for value, _column in zip(row, columns, strict=True):
        if isinstance(value, dt.datetime):
            value = local_naive(value)
        out.append(None if value == "" else value)
    return out


# --- CSV ----------------------------------------------------------------------------------------


def neutralise(text: str) -> str:
    """Keep a text cell from being read as a formula by a spreadsheet."""
    return "'" + text if text.startswith(DANGEROUS_START) else text


def unneutralise(text: str) -> str:
    return text[1:] if text.startswith("'") else text


def _csv_cell(value, kind: str) -> str:
    if value is None:
        return ""
    if kind == "str":
        return neutralise(str(value))
    return canonical(value, kind)


def provenance_rows(provenance: dict) -> list[tuple[str, str]]:
    labels = [
        ("export_id", "导出编号"),
        ("report", "报表"),
        ("exported_by", "导出人"),
        ("exported_at", "导出时间"),
        ("scope", "范围"),
        ("as_of", "截至日期（当日结束）"),
        ("filters", "筛选条件"),
        ("rows", "数据行数"),
        ("sha256", "数据SHA-256"),
        ("hash_method", "校验方法"),
    ]
    rows = []
    for key, label in labels:
        value = provenance.get(key, "")
        rows.append((label, value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)))
    rows.append(("json", json.dumps(provenance, ensure_ascii=False, sort_keys=True)))
    return rows


HASH_METHOD = "SHA-256: 表头及每行数据按规范化JSON数组逐行计算；用 manage.py verify_export 校验"


def csv_chunks(report: Report, provenance: dict, *, on_progress: Callable[[int], None] | None = None) -> Iterator[str]:
    """The CSV file as text chunks; the provenance (with the hash) comes last, so this can stream."""
    hasher = RowHasher(report.columns)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralise(column.label) for column in report.columns])
    kinds = [column.kind for column in report.columns]
    yield BOM + buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    for row in report.rows:
        values = prepare(row, report.columns)
        hasher.add(values)
        writer.writerow([_csv_cell(value, kind) for value, kind in zip(values, kinds, strict=True)])
        if hasher.rows % CSV_CHUNK_ROWS == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
        if on_progress and hasher.rows % PROGRESS_EVERY_ROWS == 0:
            on_progress(hasher.rows)
    provenance.update(rows=hasher.rows, sha256=hasher.hexdigest())
    writer.writerow([])
    writer.writerow([PROVENANCE_MARKER])
    for label, value in provenance_rows(provenance):
        writer.writerow([label, neutralise(value)])
    yield buffer.getvalue()


# --- XLSX ---------------------------------------------------------------------------------------


def write_xlsx(
    report: Report, provenance: dict, path: str, *, on_progress: Callable[[int], None] | None = None
) -> None:
    """A write-only workbook: constant memory for the rows (openpyxl keeps only distinct strings)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    hasher = RowHasher(report.columns)
    last_column = get_column_letter(len(report.columns))

    def new_sheet(number: int):
        sheet = workbook.create_sheet(DATA_SHEET if number == 1 else f"{DATA_SHEET}{number}")
        sheet.freeze_panes = "A2"
        for index, column in enumerate(report.columns, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = column.width
        sheet.append(report_header(report, sheet))
        return sheet

    def close_sheet(sheet, rows: int) -> None:
        sheet.auto_filter.ref = f"A1:{last_column}{rows + 1}"

    sheet_number, sheet = 1, new_sheet(1)
    in_sheet = 0
    formats = [column.number_format for column in report.columns]
    for row in report.rows:
        if in_sheet == XLSX_MAX_DATA_ROWS:
            close_sheet(sheet, in_sheet)
            sheet_number += 1
            sheet, in_sheet = new_sheet(sheet_number), 0
        values = prepare(row, report.columns)
        hasher.add(values)
        cells = []
        for value, column, number_format in zip(values, report.columns, formats, strict=True):
            if column.kind == "str" and isinstance(value, str) and value.startswith("="):
                cell = WriteOnlyCell(sheet, value=value)
                cell.data_type = "s"  # text, never a formula
                cells.append(cell)
            elif number_format and value is not None:
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = number_format
                cells.append(cell)
            else:
                cells.append(value)
        sheet.append(cells)
        in_sheet += 1
        if on_progress and hasher.rows % PROGRESS_EVERY_ROWS == 0:
            on_progress(hasher.rows)
    close_sheet(sheet, in_sheet)
    provenance.update(rows=hasher.rows, sha256=hasher.hexdigest())
    info = workbook.create_sheet(PROVENANCE_SHEET)
    info.column_dimensions["A"].width = 22
    info.column_dimensions["B"].width = 100
    for label, value in provenance_rows(provenance):
        cell = WriteOnlyCell(info, value=value)
        cell.data_type = "s"
        info.append([label, cell])
    workbook.save(path)


def report_header(report: Report, sheet) -> list:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    bold = Font(bold=True)
    header = []
    for column in report.columns:
        cell = WriteOnlyCell(sheet, value=column.label)
        cell.font = bold
        header.append(cell)
    return header


# --- PDF ----------------------------------------------------------------------------------------

PDF_FONT_NAME = "EldercareCJK"


def cjk_font():
    """The embedded CJK TrueType font; a clear error when it is not installed (never boxes for glyphs)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFError, TTFont

    path = settings.EXPORT_CJK_FONT
    if not path or not os.path.exists(path):
        raise DomainError(
            _(
                "PDF exports need a Chinese TrueType font, which is not installed at %(path)s. "
                "Ask the administrator to install the fonts-wqy-microhei package or set EXPORT_CJK_FONT."
            )
            % {"path": path},
            code="pdf_font_missing",
        )
    try:
        registered = pdfmetrics.getFont(PDF_FONT_NAME)
        if getattr(registered, "_eldercare_path", None) == path:
            return registered
    except KeyError:
        pass
    try:
        font = TTFont(PDF_FONT_NAME, path, subfontIndex=settings.EXPORT_CJK_FONT_INDEX)
    except TTFError as error:
        raise DomainError(
            _("The font %(path)s cannot be embedded in a PDF: %(error)s") % {"path": path, "error": error},
            code="pdf_font_unusable",
        ) from error
    font._eldercare_path = path
    pdfmetrics.registerFont(font)
    return font


def _require_glyphs(font, texts: Iterable[str]) -> None:
    covered = font.face.charToGlyph  # code point → glyph
    missing = sorted({char for text in texts for char in text if ord(char) > 0x7F and ord(char) not in covered})
    if missing:
        raise DomainError(
            _("The PDF font has no glyphs for %(chars)s; install a complete CJK font.")
            % {"chars": "".join(missing[:20])},
            code="pdf_font_incomplete",
        )


def write_progress_pdf(report: Report, provenance: dict, path: str) -> None:
    """The progress report on landscape A4 pages, with the Chinese font embedded, and a provenance page."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = cjk_font()
    hasher = RowHasher(report.columns)
    printed = report.pdf_columns or list(range(len(report.columns)))
    header = [report.columns[index].label for index in printed]
    body = []
    for row in report.rows:
        values = prepare(row, report.columns)
        hasher.add(values)
        body.append([canonical(values[index], report.columns[index].kind) for index in printed])
    provenance.update(rows=hasher.rows, sha256=hasher.hexdigest())
    details = provenance_rows(provenance)[:-1]
    title = f"{report.title}（截至 {provenance.get('as_of', '')}）"
    _require_glyphs(font, [title, *header, *(cell for row in body for cell in row), *(f"{k}{v}" for k, v in details)])

    title_style = ParagraphStyle("title", fontName=PDF_FONT_NAME, fontSize=14, leading=18, spaceAfter=4 * mm)
    text_style = ParagraphStyle("text", fontName=PDF_FONT_NAME, fontSize=8, leading=10)
    cell_style = ParagraphStyle("cell", fontName=PDF_FONT_NAME, fontSize=6.5, leading=8)
    table = Table(
        [[Paragraph(text, cell_style) for text in header], *[[Paragraph(c, cell_style) for c in r] for r in body]],
        repeatRows=1,
    )
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), PDF_FONT_NAME),
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    story = [
        Paragraph(title, title_style),
        Paragraph(f"范围：{provenance.get('scope', {}).get('label', '')}", text_style),
        Spacer(1, 3 * mm),
        table,
        PageBreak(),
        Paragraph(PROVENANCE_SHEET, title_style),
    ]
    for label, value in details:
        story.append(Paragraph(f"{label}：{_escape(value)}", text_style))
    document = SimpleDocTemplate(
        path,
        pagesize=landscape(A4),
        leftMargin=10 * mm,
        rightMargin=10 * mm,
        topMargin=10 * mm,
        bottomMargin=10 * mm,
        title=title,
        author=str(provenance.get("exported_by", "")),
        subject=f"sha256:{provenance['sha256']}",
        keywords=f"eldercare-export:{provenance.get('export_id', '')}",
        creator="eldercare",
        initialFontName=PDF_FONT_NAME,  # so no page refers to a font that is not embedded
        invariant=True,  # no random document id: the bytes depend on the content only
    )
    document.build(story)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# --- Reading back (verify_export and tests) -------------------------------------------------------


class UnreadableExport(Exception):
    pass


def _typed_from_text(text: str, kind: str):
    if text == "":
        return None
    if kind == "int":
        return int(text)
    if kind == "dec":
        return Decimal(text)
    if kind == "date":
        return dt.date.fromisoformat(text)
    if kind == "datetime":
        return dt.datetime.strptime(text, "%Y-%m-%d %H:%M:%S")  # noqa: DTZ007 - files hold Beijing wall time
    return unneutralise(text)


def _typed_from_cell(value, kind: str):
    if value is None or value == "":
        return None
    if kind == "datetime" and isinstance(value, dt.datetime):
        return (value + dt.timedelta(microseconds=500_000)).replace(microsecond=0)  # undo float rounding
    if kind == "str" and not isinstance(value, str):
        return str(value)
    return value


def read_csv(path: str) -> tuple[list[str], Iterator[list], dict]:
    """Header, typed data rows (lazily) and provenance of an exported CSV: two streaming passes."""
    provenance = None
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = [unneutralise(cell) for cell in next(reader, [])]
        for row in reader:
            if row == []:
                provenance = _provenance_from_pairs(reader)
                break
    if provenance is None:
        raise UnreadableExport(_("No provenance block after the data."))
    kinds = [kind for _label, kind in provenance["columns"]]

    def rows():
        with open(path, encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            next(reader)
            for row in reader:
                if row == []:
                    return
                if len(row) != len(kinds):
                    raise UnreadableExport(
                        _("A data row has %(n)d cells, not %(m)d.") % {"n": len(row), "m": len(kinds)}
                    )
                yield [_typed_from_text(cell, kind) for cell, kind in zip(row, kinds, strict=True)]

    return header, rows(), provenance


def _provenance_from_pairs(pairs: Iterable[list[str]]) -> dict:
    for pair in pairs:
        if len(pair) >= 2 and pair[0] == "json":
            return json.loads(unneutralise(pair[1]))
    raise UnreadableExport(_("The provenance block has no json row."))


def read_xlsx(path: str) -> tuple[list[str], Iterator[list], dict]:
    """Header, typed data rows (lazily, sheet after sheet) and provenance of an exported workbook."""
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True, data_only=False)
    if PROVENANCE_SHEET not in workbook.sheetnames:
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
                cells = list(row) + [None] * (len(kinds) - len(row))
                yield [_typed_from_cell(value, kind) for value, kind in zip(cells, kinds, strict=True)]
        workbook.close()

    return header, rows(), provenance


def data_hash(header: list[str], rows: Iterable[list], kinds: list[str]) -> tuple[str, int]:
    columns = [Column(label, kind) for label, kind in zip(header, kinds, strict=True)]
    hasher = RowHasher(columns)
    for row in rows:
        hasher.add(row)
    return hasher.hexdigest(), hasher.rows


def file_sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
