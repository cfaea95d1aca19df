"""Write an import template (XLSX) for one kind from its column declarations (`columns.py`).

Three sheets: the data sheet (Chinese headers, required ones marked *, a drop-down on each coded
column, date columns formatted as dates), 说明 (each column: whether required, its format, an
example) and a hidden 代码表 holding the drop-downs' values (with names beside codes).
"""

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from .columns import CHOICE, CODE, DATE, DATETIME, Kind

CODE_SHEET = "代码表"
HELP_SHEET = "说明"
# Rows of the data sheet that carry the drop-downs and date formats.
TEMPLATE_ROWS = 50_000
TYPE_WORDS = {
    "text": "文本",
    "date": "日期",
    "code": "代码",
    "choice": "下拉选择",
    "integer": "整数",
    "datetime": "日期时间",
}
REQUIRED_FILL = PatternFill("solid", fgColor="FFF2CC")


def _code_sheet(workbook: Workbook, kind: Kind) -> dict[str, str]:
    """Fill the hidden code sheet; the range formula of each list of values, by choices name."""
    sheet = workbook.create_sheet(CODE_SHEET)
    ranges, column_number = {}, 1
    for column in kind.columns:
        choices = column.choices
        if choices is None or choices.name in ranges:
            continue
        shown = [value for value, _stored in choices.values()]
        names = choices.names() if choices.names else {}
        letter = get_column_letter(column_number)
        sheet.cell(row=1, column=column_number, value=choices.name)
        if names:
            sheet.cell(row=1, column=column_number + 1, value="名称")
        for index, value in enumerate(shown, start=2):
            sheet.cell(row=index, column=column_number, value=value).number_format = "@"
            if names:
                sheet.cell(row=index, column=column_number + 1, value=names.get(value, ""))
        last = max(len(shown) + 1, 2)
        ranges[choices.name] = f"{quote_sheetname(CODE_SHEET)}!${letter}$2:${letter}${last}"
        column_number += 2 if names else 1
    sheet.sheet_state = "hidden"
    return ranges


def _help_sheet(workbook: Workbook, kind: Kind) -> None:
    sheet = workbook.create_sheet(HELP_SHEET)
    sheet.append([f"{kind.title}导入模板说明"])
    sheet.append(["带 * 的列必须填写；第一行为表头，请勿修改；从第二行起每行一条记录。有下拉列表的列请从列表中选择。"])
    sheet.append(["同一文件重复导入时，已导入的记录会被跳过；任何一行有错时整个文件都不会导入。"])
    sheet.append([])
    sheet.append(["列名", "是否必填", "类型", "格式说明", "示例"])
    for cell in sheet[5]:
        cell.font = Font(bold=True)
    for column in kind.columns:
        sheet.append(
            [column.header, "是" if column.required else "否", TYPE_WORDS[column.type], column.help, column.example]
        )
    for letter, width in zip("ABCDE", (22, 10, 10, 50, 24), strict=True):
        sheet.column_dimensions[letter].width = width


def write_template(kind: Kind, path: str | Path) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = kind.title
    ranges = _code_sheet(workbook, kind)
    _help_sheet(workbook, kind)
    for number, column in enumerate(kind.columns, start=1):
        letter = get_column_letter(number)
        cell = sheet.cell(row=1, column=number, value=column.header)
        cell.font = Font(bold=True)
        if column.required:
            cell.fill = REQUIRED_FILL
        sheet.column_dimensions[letter].width = max(12, len(column.header) * 2 + 4)
        cells = f"{letter}2:{letter}{TEMPLATE_ROWS + 1}"
        if column.type in (CHOICE, CODE) and column.choices is not None:
            validation = DataValidation(
                type="list", formula1=ranges[column.choices.name], allow_blank=not column.required
            )
            validation.error = "请从下拉列表中选择"
            validation.errorTitle = column.label
            validation.prompt = column.help or column.label
            validation.showErrorMessage = True
            validation.showInputMessage = bool(column.help)
            sheet.add_data_validation(validation)
            validation.add(cells)
        if column.type in (DATE, DATETIME):
            fmt = "yyyy-mm-dd" if column.type == DATE else "yyyy-mm-dd hh:mm"
            sheet.column_dimensions[letter].number_format = fmt
            validation = DataValidation(type="date", operator="greaterThan", formula1="1", allow_blank=True)
            validation.error = "请填写日期，如 2024-03-01"
            sheet.add_data_validation(validation)
            validation.add(cells)
        elif column.type in ("text", CODE):
            # ID numbers and codes stay text: Excel would otherwise show 18 digits as 1.10114E+17.
            sheet.column_dimensions[letter].number_format = "@"
    sheet.freeze_panes = "A2"
    path = Path(path)
    workbook.save(path)
    return path
