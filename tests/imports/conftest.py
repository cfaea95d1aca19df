import datetime as dt
from pathlib import Path

import pytest
from openpyxl import load_workbook

from eldercare.areas.models import Township
from eldercare.imports.columns import KINDS
from eldercare.imports.template import write_template
from tests.factories import BatchFactory, CountyFactory, PilotAreaFactory, ProviderFactory, make_resident_id


@pytest.fixture
def world(db):
    county = CountyFactory(code="110114", name="昌平区")
    batch = BatchFactory(year=2024, name="2024年批次")
    area = PilotAreaFactory(batch=batch, region=county, cycle_start=dt.date(2024, 7, 1), cycle_end=dt.date(2025, 6, 30))
    township = Township.objects.create(region=county, code="110114001", name="城北街道")
    other_county = CountyFactory(code="110105", name="朝阳区")
    outside = Township.objects.create(region=other_county, code="110105001", name="建外街道")
    provider = ProviderFactory(offers_home_visits=True)
    return {"area": area, "township": township, "outside": outside, "provider": provider, "batch": batch}


def resident(n: int) -> str:
    return make_resident_id(sequence=100 + n % 800, birth=dt.date(1940, 1, 1) + dt.timedelta(days=n // 800))


def fill(template: Path, rows: list[dict], out: Path | None = None) -> Path:
    """Fill a template's data sheet as a clerk would: values under the headers, by header label."""
    workbook = load_workbook(template)
    sheet = workbook.worksheets[0]
    headers = {str(cell.value).rstrip("*"): cell.column for cell in sheet[1]}
    for number, row in enumerate(rows, start=2):
        for label, value in row.items():
            sheet.cell(row=number, column=headers[label], value=value)
    out = out or template.with_name(f"filled-{template.name}")
    workbook.save(out)
    return out


def template_for(kind: str, folder: Path) -> Path:
    return write_template(KINDS[kind], folder / f"{kind}.xlsx")


def recipient_row(n: int, **changes) -> dict:
    row = {
        "身份证号": resident(n),
        "姓名": f"老人{n}",
        "批次年份": "2024",
        "乡镇（街道）代码": "110114001",
        "经济困难类别": "低保",
        "居住地址": f"城北街道{n}号",
        "联系电话": "13800000000",
        "评估日期": dt.date(2024, 3, 1),
        "能力等级": "重度失能",
        "评估人": "李四",
    }
    row.update(changes)
    return {label: value for label, value in row.items() if value is not None}
