import datetime as dt
import io
from decimal import Decimal

import pytest
from pypdf import PdfReader

from eldercare.core.errors import DomainError
from eldercare.exports.models import ExportStatus
from eldercare.exports.services import export_request, export_run
from tests.exports.conftest import NOW_DAY, WORLD_DAY, by_column, report_rows, totals_of


def progress(world, as_of, user=None, **kwargs):
    report, rows = report_rows("progress", user or world.auditor, as_of, **kwargs)
    return by_column(report, rows, "项目地区代码") | {"合计": totals_of(report)}


def test_the_progress_report_reads_the_latest_snapshot_of_each_area_and_sums_them(world):
    rows = progress(world, NOW_DAY)
    area = rows["110114"]
    assert (area["项目地区"], area["数据日期"], area["目标人次"], area["已达成人次"]) == (
        "昌平区",
        WORLD_DAY,
        4000,
        1,
    )
    # 93 of the cycle's 366 days have gone by the end of 10-01: 4000 × 93 / 366 = 1016.4.
    pace = (area["按进度应达人次"], area["人次完成率（%）"], area["进度比（%）"])
    assert pace == (1016, Decimal("0.0"), Decimal("0.1"))
    assert (area["服务对象数"], area["进行中（已计入、未达1人次）"], area["计入服务次数"]) == (2, 0, 3)
    assert area["满意度（%）"] is None
    # The totals are not a data row: they come apart, once the rows are read.
    assert len(rows) == 3 and "合计" not in [row["项目地区代码"] for row in list(rows.values())[:2]]
    total = rows["合计"]
    assert (total["目标人次"], total["已达成人次"], total["服务对象数"], total["计入服务次数"]) == (8000, 1, 3, 4)
    assert total["按进度应达人次"] == 2032
    assert total["项目地区"] == "范围内合计" and "数据日期" not in total


def test_the_progress_report_before_any_snapshot_shows_zeros_without_a_data_date(world):
    area = progress(world, dt.date(2023, 8, 6))["110114"]
    assert (area["数据日期"], area["已达成人次"], area["服务对象数"]) == (None, 0, 0)


def test_a_provider_scope_has_no_progress_report(world):
    with pytest.raises(DomainError):
        report_rows("progress", world.auditor, NOW_DAY, level="provider", code=world.provider.credit_code)


def test_the_progress_report_pdf_has_chinese_text_and_embeds_its_font(world):
    job = export_run(
        export_request(
            user=world.auditor, kind="progress", fmt="pdf", scope_level="area", scope_code="110114", as_of=NOW_DAY
        ).pk
    )
    assert job.status == ExportStatus.DONE, job.error
    reader = PdfReader(io.BytesIO(job.file.read()))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "项目进度报告" in text and "昌平区" in text and "导出说明" in text
    assert job.sha256 in text.replace("\n", "").replace(" ", "")
    assert reader.metadata.subject == f"sha256:{job.sha256}"
    assert fonts_of(reader) == {("/AAAAAA+WenQuanYiMicroHei-0", True)}


def fonts_of(reader) -> set[tuple[str, bool]]:
    """Every font the pages use, and whether its TrueType program is embedded (FontFile2)."""
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            if "/DescendantFonts" in font:
                descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            else:
                descriptor = font.get("/FontDescriptor")
            fonts.add((str(font["/BaseFont"]), bool(descriptor) and "/FontFile2" in descriptor.get_object()))
    return fonts


def test_a_pdf_export_without_the_chinese_font_fails_with_a_clear_message(world, settings):
    settings.EXPORT_CJK_FONT = "/nonexistent/font.ttc"
    job = export_run(
        export_request(user=world.auditor, kind="progress", fmt="pdf", scope_level="national", as_of=NOW_DAY).pk
    )
    assert job.status == ExportStatus.FAILED
    assert "/nonexistent/font.ttc" in job.error and not job.file


def test_the_pdf_has_a_title_block_page_numbers_chinese_dates_separators_and_its_real_creation_date(world):
    job = export_run(
        export_request(
            user=world.auditor, kind="progress", fmt="pdf", scope_level="national", as_of=NOW_DAY, purpose="通报"
        ).pk
    )
    reader = PdfReader(io.BytesIO(job.file.read()))
    lines = [line.strip() for page in reader.pages for line in page.extract_text().split("\n")]
    text = "\n".join(lines)
    assert "全国居家和社区基本养老服务提升行动项目" in lines  # the issuing unit's title block
    assert f"第 1 页，共 {len(reader.pages)} 页" in text
    assert "2023年8月7日" in lines  # a Chinese date, one cell, never wrapped
    assert "4,000" in lines and "8,000" in lines  # separators; the totals row below the areas
    assert "用途：通报。" in lines and "出具单位：全国。" in text
    assert "{" not in text  # provenance in sentences, not JSON
    created = reader.metadata.creation_date
    assert created.astimezone(dt.UTC) == job.started_at.astimezone(dt.UTC).replace(microsecond=0)
    again = export_run(
        export_request(
            user=world.auditor, kind="progress", fmt="pdf", scope_level="national", as_of=NOW_DAY, purpose="通报"
        ).pk
    )
    assert again.sha256 == job.sha256  # the content hash does not depend on when it was made
