"""The PDF of a report: a 红头-style title block, the table, page x of y, and the provenance in sentences.

A4 landscape with the Chinese font embedded (a missing or incomplete font is a clear error, never
boxes for glyphs). Values never wrap: each column is as wide as its widest value, and the type
size shrinks until the table fits the page; only header labels wrap. Money and counts have
thousands separators and the column format's decimals; dates are Chinese (2026年12月2日).

The creation date is the moment the export was written; everything else in the file follows from
its content (no random document id), so the bytes of one export are reproducible and the data
hash in its metadata is the one `verify_export` recomputes for the XLSX and CSV.
"""

import datetime as dt

from django.utils import timezone

from eldercare.core.printing import PDF_FONT_NAME, RED, cjk_font
from eldercare.core.printing import require_glyphs as _require_glyphs

from ..reports import Column, Report
from .canonical import RowHasher, fixed, prepare
from .provenance import PROVENANCE_SHEET, chinese_date, chinese_moment, provenance_sentences, scope_words

PROGRAMME = "居家和社区基本养老服务提升行动项目"
# Type sizes tried for the table, largest first, until its columns fit the page's width.
TABLE_SIZES = (8, 7.5, 7, 6.5, 6, 5.5, 5)
MARGIN_MM = 12


def display(value, column: Column) -> str:
    """A cell as printed: separators and fixed decimals for numbers, Chinese dates, "—" for nothing."""
    if value is None or value == "":
        return "" if column.kind == "str" else "—"
    if column.kind == "int":
        return f"{value:,}" if column.grouped else str(value)
    if column.kind == "dec":
        return fixed(value, column, grouped=column.grouped)
    if column.kind == "date":
        return chinese_date(value.date() if isinstance(value, dt.datetime) else value)
    if column.kind == "datetime":
        return f"{chinese_date(value.date())} {value:%H:%M}"
    return str(value)


def _creation_stamp(exported_at: str):
    """reportlab's time stamp, set to the moment the export was written (not 2000-01-01, not "now")."""
    from reportlab.pdfbase.pdfdoc import TimeStamp

    moment = dt.datetime.fromisoformat(exported_at) if exported_at else timezone.localtime()
    offset = moment.utcoffset() or dt.timedelta(0)
    stamp = TimeStamp(invariant=True)
    stamp.t = moment.timestamp()
    stamp.lt = moment.timetuple()
    stamp.YMDhms = tuple(stamp.lt)[:6]
    stamp.dhh, stamp.dmm = divmod(int(offset.total_seconds()) // 60, 60)
    stamp.tzname = moment.tzname() or "UTC"
    return stamp


def _canvas_maker(*, footer_left: str, footer_right: str, exported_at: str):
    """A canvas that numbers pages "第 x 页，共 y 页" (it keeps the pages until it knows y)."""
    from reportlab.lib import colors
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas

    class NumberedCanvas(canvas.Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._doc._timeStamp = _creation_stamp(exported_at)
            self._pages = []

        def showPage(self):  # noqa: N802 - reportlab's name
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self._footer(total)
                super().showPage()
            super().save()

        def _footer(self, total: int) -> None:
            width, _height = self._pagesize
            self.saveState()
            self.setFont(PDF_FONT_NAME, 7.5)
            self.setFillColor(colors.HexColor("#555555"))
            y = 7 * mm
            self.drawString(MARGIN_MM * mm, y, footer_left)
            self.drawCentredString(width / 2, y, f"第 {self._pageNumber} 页，共 {total} 页")
            self.drawRightString(width - MARGIN_MM * mm, y, footer_right)
            self.restoreState()

    return NumberedCanvas


def _column_widths(font_name: str, size: float, header: list[str], body: list[list[str]]) -> list[float]:
    """Each column as wide as its widest value (never wrapped) and a third of its label (wrapped)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    padding = 6
    widths = []
    for index, label in enumerate(header):
        values = max((stringWidth(row[index], font_name, size) for row in body), default=0)
        label_width = stringWidth(label, font_name, size) / 3
        longest_char = max((stringWidth(char, font_name, size) for char in label), default=0)
        widths.append(max(values, label_width, longest_char * 2, 18) + padding)
    return widths


def write_pdf(report: Report, provenance: dict, path: str) -> None:
    """The report on landscape A4 pages, with the Chinese font embedded, and a page of provenance."""
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import HRFlowable, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = cjk_font()
    hasher = RowHasher(report.columns)
    printed = report.pdf_columns or list(range(len(report.columns)))
    columns = [report.columns[index] for index in printed]
    header = [column.label for column in columns]
    body = []
    for row in report.rows:
        values = prepare(row, report.columns)
        hasher.add(values)
        body.append([display(values[index], report.columns[index]) for index in printed])
    totals = None
    if report.totals is not None:
        whole = report.totals()
        totals = ["" if whole[index] is None else display(whole[index], report.columns[index]) for index in printed]
    provenance.update(rows=hasher.rows, sha256=hasher.hexdigest())
    sentences = provenance_sentences(provenance)
    unit = provenance.get("issuing_unit", "")
    title = f"{report.title}（截至{chinese_date(provenance.get('as_of', ''))}）"
    moment, who = chinese_moment(provenance.get("exported_at", "")), provenance.get("exported_by", "")
    block = [
        f"{unit}{PROGRAMME}",
        f"导出第 {provenance.get('export_id', '')} 号",
        report.title,
        f"{scope_words(provenance)}　　数据截至：{chinese_date(provenance.get('as_of', ''))}（当日结束）"
        f"　　导出时间：{moment}　　导出人：{who}",
    ]
    everything = [*block, *header, *(cell for row in body for cell in row), *(totals or []), *sentences]
    _require_glyphs(font, everything)

    width = landscape(A4)[0] - 2 * MARGIN_MM * mm
    for size in TABLE_SIZES:
        widths = _column_widths(PDF_FONT_NAME, size, header, [*body, *([totals] if totals else [])])
        if sum(widths) <= width:
            break
    # Spread to the page's width (labels then wrap less); at the smallest size, a last squeeze.
    scale = width / sum(widths)
    widths = [each * scale for each in widths]

    def style(name, size, **extra):
        return ParagraphStyle(name, fontName=PDF_FONT_NAME, fontSize=size, leading=size * 1.3, **extra)

    head_style = style("head", size, alignment=TA_CENTER, wordWrap="CJK")
    rows = [[Paragraph(label, head_style) for label in header], *body]
    if totals:
        rows.append(totals)
    table = Table(rows, colWidths=widths, repeatRows=1)
    numeric = [index for index, column in enumerate(columns) if column.kind in ("int", "dec")]
    commands = [
        ("FONTNAME", (0, 0), (-1, -1), PDF_FONT_NAME),
        ("FONTSIZE", (0, 1), (-1, -1), size),
        ("LEADING", (0, 1), (-1, -1), size * 1.25),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#888888")),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        *[("ALIGN", (index, 1), (index, -1), "RIGHT") for index in numeric],
        *[("BACKGROUND", (0, row), (-1, row), colors.HexColor("#f6f8fa")) for row in range(2, len(body) + 1, 2)],
    ]
    if totals:
        commands += [
            ("BACKGROUND", (0, -1), (-1, -1), colors.HexColor("#e8eef5")),
            ("LINEABOVE", (0, -1), (-1, -1), 1, colors.black),
        ]
    table.setStyle(TableStyle(commands))

    red = colors.HexColor(RED)
    story = [
        Paragraph(block[0], style("unit", 20, alignment=TA_CENTER, textColor=red, spaceAfter=2 * mm)),
        Paragraph(block[1], style("number", 9, alignment=TA_CENTER)),
        HRFlowable(width="100%", thickness=1.6, color=red, spaceBefore=2 * mm, spaceAfter=3 * mm),
        Paragraph(block[2], style("title", 16, alignment=TA_CENTER, spaceAfter=2 * mm)),
        Paragraph(block[3], style("scope", 8.5, alignment=TA_CENTER, spaceAfter=4 * mm)),
        table,
    ]
    notes = []
    if totals:
        notes.append("合计行为范围内全部数据之和；比率按合计数重新计算，不是各行比率之和。")
    if provenance.get("demo"):
        notes.append(sentences[-1])
    for note in notes:
        story += [Spacer(1, 2 * mm), Paragraph(f"注：{note}", style("note", 8))]
    # The provenance after the table, on one page (the next one if it does not fit below the table).
    block_of_sentences = [Paragraph(PROVENANCE_SHEET, style("heading", 14, spaceAfter=4 * mm))]
    block_of_sentences += [Paragraph(_escape(each), style("sentence", 10, spaceAfter=2.5 * mm)) for each in sentences]
    story += [Spacer(1, 8 * mm), KeepTogether(block_of_sentences)]

    document = SimpleDocTemplate(
        path,
        pagesize=landscape(A4),
        leftMargin=MARGIN_MM * mm,
        rightMargin=MARGIN_MM * mm,
        topMargin=MARGIN_MM * mm,
        bottomMargin=14 * mm,
        title=title,
        author=str(provenance.get("exported_by", "")),
        subject=f"sha256:{provenance['sha256']}",
        keywords=f"eldercare-export:{provenance.get('export_id', '')}",
        creator="eldercare",
        initialFontName=PDF_FONT_NAME,  # so no page refers to a font that is not embedded
        invariant=True,  # no random document id: the bytes follow from the content and the creation date
    )
    canvas_maker = _canvas_maker(
        footer_left=f"{report.title} · 导出第 {provenance.get('export_id', '')} 号",
        footer_right=f"数据 SHA-256：{provenance['sha256'][:16]}…",
        exported_at=provenance.get("exported_at", ""),
    )
    document.build(story, canvasmaker=canvas_maker)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
