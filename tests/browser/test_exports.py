"""The exports pages in real headless Chromium (zh-CN), at 1366×768 and 1920×1080.

An auditor picks a level and then an area, keeps today as the as-of day, says why, downloads the
file, then uploads it on the verify page and sees it is intact; a changed copy is not. A district
official has one area and picks nothing. The world is written at today's date (history rows now),
so the ledgers, which read history as of the day, have rows.
"""

import datetime as dt
import re
import zipfile
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from openpyxl import load_workbook

from eldercare.accounts.models import Role, RoleAssignment
from eldercare.exports.models import ExportJob
from eldercare.rollups.models import AreaDailySnapshot
from tests.browser.conftest import screenshot
from tests.exports.conftest import bulk_world
from tests.factories import BatchFactory, CountyFactory, PilotAreaFactory, ProviderFactory, ProvinceFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "browser-test-password"
PURPOSE = "2026年第四季度审计抽查"


@pytest.fixture
def world():
    today = timezone.localdate()
    beijing = ProvinceFactory(code="110000", name="北京市")
    batch = BatchFactory()
    start = today - dt.timedelta(days=100)

    def area(code, name, **extra):
        return PilotAreaFactory(
            batch=batch,
            region=CountyFactory(parent=beijing, code=code, name=name, full_name=f"北京市{name}"),
            cycle_start=start,
            cycle_end=start + dt.timedelta(days=364),
            **extra,
        )

    changping = area("110114", "昌平区")
    daxing = area("110115", "大兴区", is_demo=True)
    bulk_world(recipients=12, visits_per_recipient=4, area=changping, provider=ProviderFactory(name="昌平区颐养中心"))
    bulk_world(recipients=5, visits_per_recipient=2, area=daxing, provider=ProviderFactory(name="大兴区示例服务站"))
    for each in (changping, daxing):
        AreaDailySnapshot.objects.create(
            area=each,
            day=today - dt.timedelta(days=1),
            recipients=12,
            person_times_reached=3,
            target_person_times=each.target_person_times,
            counted_visits=48,
            beds_accepted=2,
            target_beds=each.target_beds,
            funds_allocated=Decimal("1234567.5"),
            funds_disbursed=Decimal("234567.25"),
            computed_at=timezone.now(),
        )
    return {"today": today, "changping": changping, "daxing": daxing}


def user(username, role, **scope):
    person = User.objects.create_user(username, password=PASSWORD, is_staff=True)
    RoleAssignment.objects.create(user=person, role=role, **scope)
    return person


def log_in(page, live_server, username):
    page.goto(live_server.url + "/admin/login/?next=/exports/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(re.compile(r"/exports/$"))


def visible(page, name):
    return page.locator(f".field[data-level={name}]").is_visible()


@pytest.mark.parametrize(("width", "height"), [(1366, 768), (1920, 1080)])
def test_an_auditor_exports_an_area_and_verifies_the_file(browser_page, live_server, world, width, height, tmp_path):
    page = browser_page
    page.set_viewport_size({"width": width, "height": height})
    size = f"{width}x{height}"
    user(f"auditor{width}", Role.AUDITOR)
    log_in(page, live_server, f"auditor{width}")

    # The site's layout: its header, the language switch and sign-out.
    assert page.locator("header.site #language-select").is_visible()
    assert page.locator("header.site form.logout button").is_visible()
    assert page.locator("#id_as_of").input_value() == world["today"].isoformat()  # today unless changed
    levels = page.locator("input[name=scope_level]").evaluate_all("inputs => inputs.map(i => i.value)")
    assert levels == ["national", "province", "area", "provider"]
    # One level at a time: a province, an area or a provider list, never the three mixed.
    page.check("input[name=scope_level][value=area]")
    assert visible(page, "area") and not visible(page, "province") and not visible(page, "provider")
    areas = page.locator("#id_area option").all_inner_texts()
    assert areas == ["—", "北京市昌平区（110114）", "北京市大兴区（110115）（示例）"]
    page.check("input[name=scope_level][value=provider]")
    assert visible(page, "provider") and not visible(page, "area")
    page.check("input[name=scope_level][value=area]")
    page.select_option("#id_kind", "visits")
    assert page.locator("input[name=format][value=pdf]").is_disabled()  # the PDF is the progress report's
    page.select_option("#id_kind", "progress")
    assert page.locator("input[name=format][value=pdf]").is_enabled()
    page.select_option("#id_kind", "visits")
    page.select_option("#id_area", "110114")
    page.fill("#id_purpose", PURPOSE)
    screenshot(page, f"exports-page-{size}")

    with page.expect_download() as download_info:
        page.click("#export-form button[type=submit]")
    download = download_info.value
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    job = ExportJob.objects.get(requester__username=f"auditor{width}")
    assert (job.scope_level, job.scope_code, job.purpose, job.as_of) == ("area", "110114", PURPOSE, world["today"])
    assert path.name == job.filename and path.suffix == ".xlsx"
    assert load_workbook(path)["数据"].max_row == 12 * 4 + 1

    page.goto(live_server.url + "/exports/")
    assert PURPOSE in page.locator("#jobs").inner_text()
    page.click("header.site nav a[href='/exports/verify/']")
    page.set_input_files("#id_file", str(path))
    page.click("#verify-form button[type=submit]")
    result = page.locator("[data-testid=verify-result]")
    assert result.get_attribute("data-ok") == "true"
    assert "完整" in result.locator("h2").inner_text()
    assert f"#{job.pk}" in result.inner_text() and PURPOSE in result.inner_text()
    screenshot(page, f"exports-verify-intact-{size}")

    workbook = load_workbook(path)
    workbook["数据"]["C2"] = "北京市海淀区"
    changed = tmp_path / "changed.xlsx"
    workbook.save(changed)
    page.set_input_files("#id_file", str(changed))
    page.click("#verify-form button[type=submit]")
    result = page.locator("[data-testid=verify-result]")
    assert result.get_attribute("data-ok") == "false"
    assert "未通过" in result.locator("h2").inner_text() or "已被修改" in result.locator("h2").inner_text()
    screenshot(page, f"exports-verify-changed-{size}")


def test_a_district_official_exports_their_area_as_a_zipped_csv_and_verifies_it(
    browser_page, live_server, world, tmp_path
):
    page = browser_page
    page.set_viewport_size({"width": 1366, "height": 768})
    user("district", Role.DISTRICT_OFFICIAL, area=world["changping"])
    log_in(page, live_server, "district")
    assert page.locator("[data-testid=fixed-scope]").inner_text() == "北京市昌平区（110114）"
    assert page.locator("input[name=scope_level]").count() == 0  # nothing to choose
    page.select_option("#id_kind", "recipients")
    page.check("input[name=format][value=csv]")
    page.fill("#id_purpose", "核对服务对象名单")
    screenshot(page, "exports-page-district-1366x768")
    with page.expect_download() as download_info:
        page.click("#export-form button[type=submit]")
    path = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(path)
    with zipfile.ZipFile(path) as archive:
        assert sorted(name.rsplit(".", 2)[-2:][-1] for name in archive.namelist()) == ["csv", "json"]

    page.goto(live_server.url + "/exports/verify/")
    page.set_input_files("#id_file", str(path))
    page.click("#verify-form button[type=submit]")
    assert page.locator("[data-testid=verify-result]").get_attribute("data-ok") == "true"
    screenshot(page, "exports-verify-zip-1366x768")


def test_provider_staff_get_a_friendly_refusal_in_chinese(browser_page, live_server, world):
    page = browser_page
    page.set_viewport_size({"width": 1366, "height": 768})
    provider = ProviderFactory()
    user("staff", Role.PROVIDER_STAFF, provider=provider)
    page.goto(live_server.url + "/admin/login/?next=/exports/")
    page.fill("#id_username", "staff")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(re.compile(r"/exports/$"))
    refusal = page.locator("[data-testid=error-page]").inner_text()
    assert "您的角色无权进行此操作" in refusal and "只有审计人员" in refusal  # why, in Chinese
    screenshot(page, "error-403-1366x768")
