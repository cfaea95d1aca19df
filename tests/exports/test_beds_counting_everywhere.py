"""A bed counts toward the target when accepted within the cycle, whatever happens after (beds.rules).

The same beds give the same count in the roll-ups, on the area dashboard, in the progress export
(rows, XLSX and PDF) and in the bed ledger. In the export world's area 110114 (cycle 2023-07-01 to
2024-06-30): R1's bed, accepted 2023-08-10, is withdrawn (撤销) on 2023-09-25; a second bed was
accepted 2023-06-20, before the cycle; a third is accepted 2024-07-05, after it. As of 2024-07-10
exactly one bed counts: the withdrawn one.
"""

import datetime as dt
import io
import shutil

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from eldercare.beds.services import bed_withdraw
from eldercare.dashboards.selectors import area_dashboard, area_in_scope
from eldercare.exports.models import ExportStatus
from eldercare.exports.services import export_request, export_run
from eldercare.rollups.models import AreaDailySnapshot, AreaProgress
from eldercare.rollups.services import recompute_all
from tests.conftest import at
from tests.exports.conftest import by_column, report_rows
from tests.factories import FamilyCareBedFactory, RecipientFactory

AFTER_THE_CYCLE = dt.date(2024, 7, 10)


@pytest.fixture
def beds(world, time_machine):
    """The three beds of the module docstring; roll-ups recomputed as of AFTER_THE_CYCLE."""
    withdrawn = bed_withdraw(bed=world.bed, reason="died", withdrawn_on=dt.date(2023, 9, 25))
    early = FamilyCareBedFactory(
        recipient=RecipientFactory(area=world.area, provider=world.provider),
        status="accepted",
        applied_on=dt.date(2023, 6, 1),
        accepted_on=dt.date(2023, 6, 20),
        acceptance_provider=world.provider,
    )
    time_machine.move_to(at(dt.date(2024, 7, 6), 10))
    late = FamilyCareBedFactory(
        recipient=RecipientFactory(area=world.area, provider=world.provider),
        status="accepted",
        applied_on=dt.date(2024, 6, 1),
        accepted_on=dt.date(2024, 7, 5),
        acceptance_provider=world.provider,
    )
    time_machine.move_to(at(AFTER_THE_CYCLE, 20))
    recompute_all(today=AFTER_THE_CYCLE)
    return {"withdrawn": withdrawn, "early": early, "late": late}


def export_file(world, kind: str, fmt: str, tmp_path) -> str:
    job = export_run(
        export_request(
            user=world.auditor, kind=kind, fmt=fmt, scope_level="area", scope_code="110114", as_of=AFTER_THE_CYCLE
        ).pk
    )
    assert job.status == ExportStatus.DONE, job.error
    path = tmp_path / job.filename
    with job.file.open("rb") as source, open(path, "wb") as target:
        shutil.copyfileobj(source, target)
    return str(path)


def test_a_withdrawn_bed_accepted_in_the_cycle_counts_in_the_roll_ups(world, beds):
    assert beds["withdrawn"].status == "withdrawn"
    assert AreaProgress.objects.get(area=world.area).beds_accepted == 1
    assert AreaDailySnapshot.objects.get(area=world.area, day=AFTER_THE_CYCLE).beds_accepted == 1


def test_a_withdrawn_bed_accepted_in_the_cycle_counts_on_the_dashboard(world, beds):
    area = area_in_scope(world.auditor, "110114")
    dashboard = area_dashboard(world.auditor, area, today=AFTER_THE_CYCLE)
    assert dashboard.row.headline["beds"].value == 1
    assert dashboard.beds_counting == 1
    funnel = {stage["stage"]: stage["value"] for stage in dashboard.bed_funnel}
    assert funnel["accepted_on"] == 3  # every acceptance is a stage reached; only one is in the cycle
    assert dashboard.beds_withdrawn == 1


def test_the_dashboard_page_shows_the_counting_beds(world, beds, client):
    client.force_login(world.auditor)
    page = client.get("/dashboards/areas/110114/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<td class="num" id="beds-counting">1</td>' in page


def test_a_withdrawn_bed_accepted_in_the_cycle_counts_in_the_progress_report(world, beds):
    report, rows = report_rows("progress", world.auditor, AFTER_THE_CYCLE, level="area", code="110114")
    area = by_column(report, rows, "项目地区代码")["110114"]
    assert (area["数据日期"], area["已验收床位"]) == (AFTER_THE_CYCLE, 1)


def test_a_withdrawn_bed_accepted_in_the_cycle_counts_in_the_progress_xlsx(world, beds, tmp_path):
    sheet = load_workbook(export_file(world, "progress", "xlsx", tmp_path))["数据"]
    header = [cell.value for cell in sheet[1]]
    area = next(row for row in sheet.iter_rows(min_row=2, values_only=True) if row[0] == "110114")
    assert area[header.index("已验收床位")] == 1


def test_a_withdrawn_bed_accepted_in_the_cycle_counts_in_the_progress_pdf(world, beds, tmp_path):
    with open(export_file(world, "progress", "pdf", tmp_path), "rb") as pdf:
        text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.read())).pages)
    # Cells come out one a line; the area's row runs from its code to the totals row.
    cells = text.split()
    area_row = " ".join(cells[cells.index("110114") : cells.index("范围内合计")])
    assert " 2,000 1 " in area_row  # target beds, then beds accepted


def test_the_bed_ledger_counts_the_withdrawn_bed_and_not_those_outside_the_cycle(world, beds):
    report, rows = report_rows("beds", world.auditor, AFTER_THE_CYCLE)
    ledger = by_column(report, rows, "床位编号")
    withdrawn = ledger[beds["withdrawn"].pk]
    assert (withdrawn["状态"], withdrawn["撤销日期"], withdrawn["计入周期目标"]) == ("撤销", dt.date(2023, 9, 25), "是")
    assert ledger[beds["early"].pk]["计入周期目标"] == "否"
    assert ledger[beds["late"].pk]["计入周期目标"] == "否"
    counted = [row for row in ledger.values() if row["计入周期目标"] == "是"]
    assert len(counted) == AreaProgress.objects.get(area=world.area).beds_accepted
