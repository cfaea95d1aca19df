import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation
from openpyxl import Workbook

from eldercare.areas.importers import read_pilot_area_rows
from eldercare.areas.models import Batch, PilotArea
from eldercare.areas.services import pilot_area_set_cycle, pilot_areas_import
from eldercare.core.errors import DomainError
from tests.factories import BatchFactory

HEADER = "区划代码,地区名称,省份,资金下达日期,床位目标,人次目标,满意度目标\n"
GOOD_ROWS = "110114,北京市昌平区,北京市,2023-07-03,2100,4100,92\n130100,石家庄市,河北省,2023-08-01,1500,3000,\n"


@pytest.fixture(autouse=True)
def in_english():
    """The messages are checked in English; the Chinese catalogue is checked in tests/i18n."""
    with translation.override("en"):
        yield


def _write(tmp_path, text, name="list.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return path


def _import(path, *args):
    out, err = StringIO(), StringIO()
    call_command("import_pilot_areas", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _state():
    return list(PilotArea.objects.order_by("pk").values()), PilotArea.history.count()


def test_a_good_csv_updates_the_listed_area_and_creates_the_new_one(reference_data, tmp_path):
    out, _err = _import(_write(tmp_path, HEADER + GOOD_ROWS), "--batch", "2023")

    assert "1 area(s) created, 1 updated, 0 unchanged" in out
    changping = PilotArea.objects.get(batch__year=2023, region__code="110114")
    assert (changping.target_beds, changping.target_person_times) == (2100, 4100)
    assert changping.target_satisfaction == Decimal("92")
    assert (changping.funds_arrived_on, changping.cycle_start, changping.cycle_end) == (
        dt.date(2023, 7, 3),
        dt.date(2023, 7, 3),
        dt.date(2024, 7, 2),
    )
    shijiazhuang = PilotArea.objects.get(batch__year=2023, region__code="130100")
    assert shijiazhuang.is_demo is False
    assert shijiazhuang.target_satisfaction == Decimal("90")
    assert shijiazhuang.cycle_end == dt.date(2024, 7, 31)
    assert PilotArea.objects.filter(batch__year=2023).count() == 51


def test_importing_clears_the_demo_flag_of_a_listed_area(reference_data, tmp_path):
    assert PilotArea.objects.get(region__code="310104").is_demo
    _import(_write(tmp_path, HEADER + "310104,徐汇区,上海市,2023-07-03,100,200,90\n"), "--batch", "2023")
    assert not PilotArea.objects.get(region__code="310104").is_demo


def test_importing_the_same_file_again_changes_nothing(reference_data, tmp_path):
    path = _write(tmp_path, HEADER + GOOD_ROWS)
    _import(path)
    before = _state()

    out, _err = _import(path)

    assert _state() == before
    assert "0 area(s) created, 0 updated, 2 unchanged" in out


def test_a_good_xlsx_with_typed_cells_creates_the_areas(reference_data, tmp_path):
    batch = BatchFactory(year=2024, name="2024年居家和社区基本养老服务提升行动项目")
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["区划代码", "地区名称", "省份", "资金下达日期", "床位目标", "人次目标", "满意度目标"])
    sheet.append([110114, "昌平区", "北京市", dt.datetime(2024, 6, 20), 1800, 3600, 90])
    sheet.append(["440304", "深圳市福田区", None, None, 2000.0, 4000, "95%"])
    sheet.append([None, None, None, None, None, None, None])
    path = tmp_path / "list.xlsx"
    workbook.save(path)

    _import(path, "--batch", "2024")

    areas = {area.region.code: area for area in PilotArea.objects.filter(batch=batch)}
    assert set(areas) == {"110114", "440304"}
    assert areas["110114"].cycle_end == dt.date(2025, 6, 19)
    assert areas["440304"].target_satisfaction == Decimal("95")
    assert areas["440304"].cycle_start is None
    assert PilotArea.objects.filter(batch__year=2023).count() == 50


def test_a_csv_with_a_byte_order_mark_and_english_headers_is_read(reference_data, tmp_path):
    text = (
        "division_code,name,target_beds,target_person_times,funds_arrived_on\n"
        "110114,北京市昌平区,2222,4444,2023-06-05\n"
    )
    path = _write(tmp_path, text, encoding="utf-8-sig")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")

    _import(path)

    assert PilotArea.objects.get(batch__year=2023, region__code="110114").target_beds == 2222


def test_a_file_with_bad_rows_is_refused_whole_and_every_bad_line_is_reported(reference_data, tmp_path):
    text = (
        HEADER
        + "130100,石家庄市,河北省,2023-08-01,1500,3000,90\n"  # line 2: good, yet must not be written
        + "11011,北京市昌平区,北京市,2023-07-01,10,20,90\n"  # line 3: five digits
        + "110199,不存在区,北京市,2023-07-01,10,20,90\n"  # line 4: no such region
        + "110114,北京市昌平区,北京市,2023-07-01,-5,20,90\n"  # line 5: negative target
        + "310104,徐汇区,上海市,2023-02-30,10,20,90\n"  # line 6: no such day
        + "130100,石家庄市,河北省,2023-08-01,1500,3000,90\n"  # line 7: repeats line 2
        + "420106,江岸区,湖北省,2023-07-01,10,20,90\n"  # line 8: code and name disagree
        + "430104,岳麓区,湖北省,2023-07-01,10,20,120\n"  # line 9: wrong province, satisfaction over 100
        + "110000,北京市,,2023-07-01,10,20,90\n"  # line 10: a province
    )
    before = _state()

    with pytest.raises(CommandError, match="8 row"):
        _import(_write(tmp_path, text))

    assert _state() == before
    assert not PilotArea.objects.filter(region__code="130100").exists()


def test_each_problem_names_its_line(reference_data, tmp_path):
    text = (
        HEADER
        + "11011,北京市昌平区,北京市,2023-07-01,10,20,90\n"
        + "110199,不存在区,北京市,2023-07-01,10,20,90\n"
        + "110114,北京市昌平区,北京市,2023-07-01,-5,20,90\n"
        + "310104,徐汇区,上海市,2023/07/01,10,20,90\n"
        + "310104,徐汇区,上海市,2023-07-01,10,20,90\n"
        + "420106,江岸区,湖北省,2023-07-01,10,20,90\n"
    )
    rows = read_pilot_area_rows(_write(tmp_path, text))

    result = pilot_areas_import(rows=rows, batch=Batch.objects.get(year=2023))

    assert not result.ok
    assert (result.created, result.updated) == (0, 0)
    problems = {error.line: error.message for error in result.errors}
    assert set(problems) == {2, 3, 4, 5, 6, 7}
    assert "11011" in problems[2]
    assert "110199" in problems[3]
    assert "-5" in problems[4]
    assert "2023/07/01" in problems[5]
    assert "line 5" in problems[6]
    assert "420106" in problems[7]


def test_the_command_prints_each_error_line(reference_data, tmp_path):
    text = HEADER + "110114,北京市昌平区,北京市,2023-07-01,-5,20,90\n" + "11011,昌平区,北京市,2023-07-01,1,2,90\n"
    err = StringIO()

    with pytest.raises(CommandError):
        call_command("import_pilot_areas", str(_write(tmp_path, text)), stdout=StringIO(), stderr=err)

    printed = err.getvalue().splitlines()
    assert len(printed) == 2
    assert "2" in printed[0] and "-5" in printed[0]
    assert "3" in printed[1] and "11011" in printed[1]


def test_a_file_without_the_required_columns_is_refused(reference_data, tmp_path):
    with pytest.raises(CommandError, match="人次目标"):
        _import(_write(tmp_path, "区划代码,地区名称,床位目标\n110114,昌平区,10\n"))


def test_a_file_of_another_type_is_refused(reference_data, tmp_path):
    with pytest.raises(CommandError):
        _import(_write(tmp_path, "whatever", name="list.txt"))


def test_a_csv_that_is_not_utf8_is_refused(reference_data, tmp_path):
    with pytest.raises(CommandError):
        _import(_write(tmp_path, HEADER + GOOD_ROWS, encoding="gb18030"))


def test_an_unknown_batch_is_refused(reference_data, tmp_path):
    with pytest.raises(CommandError, match="2030"):
        _import(_write(tmp_path, HEADER + GOOD_ROWS), "--batch", "2030")


def test_a_dry_run_reports_and_writes_nothing(reference_data, tmp_path):
    before = _state()

    out, _err = _import(_write(tmp_path, HEADER + GOOD_ROWS), "--dry-run")

    assert "1 area(s) created, 1 updated" in out
    assert _state() == before


def test_an_import_records_who_made_the_change(reference_data, tmp_path, django_user_model):
    clerk = django_user_model.objects.create_user(username="clerk", password="x")
    rows = read_pilot_area_rows(_write(tmp_path, HEADER + GOOD_ROWS))

    result = pilot_areas_import(rows=rows, batch=Batch.objects.get(year=2023), acting_user=clerk)

    assert (result.created, result.updated) == (1, 1)
    record = PilotArea.history.filter(region__code="110114").latest("history_date")
    assert record.history_user == clerk
    assert record.history_change_reason == "import_pilot_areas"


def test_an_empty_file_is_refused(reference_data, tmp_path):
    with pytest.raises(DomainError):
        pilot_areas_import(rows=read_pilot_area_rows(_write(tmp_path, HEADER)), batch=Batch.objects.get(year=2023))


def test_setting_the_funds_date_sets_a_one_year_cycle(reference_data):
    area = PilotArea.objects.get(batch__year=2023, region__code="110114")

    pilot_area_set_cycle(area=area, funds_arrived_on=dt.date(2023, 8, 15))

    area.refresh_from_db()
    assert (area.cycle_start, area.cycle_end) == (dt.date(2023, 8, 15), dt.date(2024, 8, 14))
