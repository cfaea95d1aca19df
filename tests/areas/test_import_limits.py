"""Import files are held to limits before and while they are read: size, inflated size, rows, columns, cells."""

import zipfile
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation
from openpyxl import Workbook

from eldercare.areas.importers import MAX_AREA_ROWS, read_pilot_area_rows
from eldercare.areas.models import PilotArea
from eldercare.core import spreadsheets
from eldercare.core.errors import DomainError

HEADER = "区划代码,地区名称,省份,资金下达日期,床位目标,人次目标,满意度目标\n"
ROW = "110114,北京市昌平区,北京市,2023-07-03,2100,4100,92\n"


@pytest.fixture(autouse=True)
def in_english():
    with translation.override("en"):
        yield


def refused(path) -> DomainError:
    with pytest.raises(DomainError) as caught:
        read_pilot_area_rows(path)
    return caught.value


def zip_bomb(path, *, inflated_mb: int, member="xl/worksheets/sheet1.xml"):
    """An XLSX-shaped zip whose sheet is `inflated_mb` MB of spaces (a whitespace bomb), written in chunks."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open(member, "w") as sheet:
            chunk = b" " * (1024 * 1024)
            for _ in range(inflated_mb):
                sheet.write(chunk)
    return path


def test_a_zip_bomb_is_refused_from_its_central_directory_without_inflating(tmp_path):
    path = zip_bomb(tmp_path / "bomb.xlsx", inflated_mb=100)
    assert path.stat().st_size < 1024 * 1024  # a small file …
    error = refused(path)  # … that would unpack to 100 MB
    assert error.code == "import_bomb"
    assert "60 MB" in str(error.message)


def test_a_member_compressed_suspiciously_well_is_refused_even_under_the_total_limit(tmp_path):
    error = refused(zip_bomb(tmp_path / "ratio.xlsx", inflated_mb=20))
    assert error.code == "import_bomb"


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "huge.csv"
    with path.open("wb") as stream:
        stream.truncate(spreadsheets.MAX_FILE_BYTES + 1)  # sparse: costs no disk
    error = refused(path)
    assert error.code == "import_too_large"
    assert "20 MB" in str(error.message)


def test_a_csv_with_more_rows_than_a_batch_can_have_is_refused_naming_the_limit(tmp_path):
    path = tmp_path / "long.csv"
    path.write_text(HEADER + ROW * (MAX_AREA_ROWS + 1), encoding="utf-8")
    error = refused(path)
    assert error.code == "import_too_many_rows"
    assert str(MAX_AREA_ROWS) in str(error.message)


def test_exactly_the_row_limit_is_read(tmp_path):
    path = tmp_path / "full.csv"
    path.write_text(HEADER + ROW * MAX_AREA_ROWS, encoding="utf-8")
    assert len(read_pilot_area_rows(path)) == MAX_AREA_ROWS


def test_a_csv_cell_longer_than_the_limit_is_refused_with_its_line(tmp_path):
    path = tmp_path / "cell.csv"
    path.write_text(HEADER + ROW + '110115,"' + "昌" * (spreadsheets.MAX_CELL_CHARACTERS + 1) + '",,,1,1,\n')
    error = refused(path)
    assert error.code == "import_unreadable"
    assert "Line 3" in str(error.message)


def test_a_row_wider_than_the_column_limit_is_refused_but_trailing_empty_cells_are_not(tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["区划代码", "地区名称", "省份", "资金下达日期", "床位目标", "人次目标"])
    sheet.append(["110114", "北京市昌平区", "北京市", "2023-07-03", 2100, 4100])
    sheet.cell(row=2, column=spreadsheets.MAX_COLUMNS + 1, value="x")
    wide = tmp_path / "wide.xlsx"
    workbook.save(wide)
    error = refused(wide)
    assert error.code == "import_too_many_columns"
    assert "Line 2" in str(error.message)

    sheet.cell(row=2, column=spreadsheets.MAX_COLUMNS + 1).value = None
    sheet.cell(row=5000, column=1).value = None  # formatted empty rows far below do not count
    tidy = tmp_path / "tidy.xlsx"
    workbook.save(tidy)
    assert [row.get("division_code") for row in read_pilot_area_rows(tidy)] == ["110114"]


def test_the_command_refuses_a_bomb_with_its_message_and_changes_nothing(reference_data, tmp_path):
    before = list(PilotArea.objects.order_by("pk").values())
    with pytest.raises(CommandError, match="60 MB"):
        call_command("import_pilot_areas", str(zip_bomb(tmp_path / "bomb.xlsx", inflated_mb=100)), stdout=StringIO())
    assert list(PilotArea.objects.order_by("pk").values()) == before
