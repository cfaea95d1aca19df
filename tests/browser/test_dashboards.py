"""The dashboards in real headless Chromium (zh-CN), at 1366×768 and 1920×1080: what a user checks on each level.

The world: five pilot areas in three provinces, 180 days into their cycles or past them, with a
daily snapshot for every day of each cycle so far, in every state a national official should tell
apart: on track (昌平区), behind (大兴区), far behind (和平区), target reached and target not reached
after the cycle (石家庄 长安区 and 桥西区). Roll-up rows are written directly (dashboards read only them).
"""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.db.models import F
from django.utils import timezone

from eldercare.accounts.models import Role, RoleAssignment
from eldercare.rollups.models import AreaDailySnapshot, AreaProgress, ProviderAreaStats, RecipientProgress
from tests.browser.conftest import screenshot
from tests.factories import (
    BatchFactory,
    CountyFactory,
    DisbursementFactory,
    FundAllocationFactory,
    PilotAreaFactory,
    ProviderFactory,
    ProvinceFactory,
    RecipientFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "browser-test-password"
VIEWPORTS = [(1366, 768), (1920, 1080)]
TARGET = 200


def figures(area, day, person_times):
    return {
        "recipients": 300,
        "person_times_reached": person_times,
        "target_person_times": area.target_person_times,
        "band_0": 40,
        "band_1_9": 80,
        "band_10_19": 60,
        "band_20_29": max(0, 300 - 180 - person_times),
        "at_risk": 3,
        "counted_visits": person_times * 30 + 2000,
        "beds_accepted": person_times // 2,
        "target_beds": area.target_beds,
        "rated_visits": 200,
        "satisfied_visits": 185,
        "funds_allocated": Decimal("1000000"),
        "funds_disbursed": Decimal("400000"),
        "computed_at": timezone.make_aware(dt.datetime.combine(day, dt.time(23, 30))),
    }


def build_area(code, name, province, *, today, started_days_ago, per_day):
    """An area whose one-year cycle began `started_days_ago` days ago; `per_day` person-times a day."""
    start = today - dt.timedelta(days=started_days_ago)
    area = PilotAreaFactory(
        batch=BatchFactory(),
        region=CountyFactory(parent=province, code=code, name=name, full_name=f"{province.name}{name}"),
        cycle_start=start,
        cycle_end=start + dt.timedelta(days=364),
        target_person_times=TARGET,
        target_beds=100,
    )
    FundAllocationFactory(area=area, use="beds", amount=Decimal("600000"))
    FundAllocationFactory(area=area, use="home_visits", amount=Decimal("400000"))
    DisbursementFactory(area=area, use="beds", amount=Decimal("400000"), paid_on=start + dt.timedelta(days=30))
    last = min(today, area.cycle_end)
    days = [start + dt.timedelta(days=n) for n in range((last - start).days + 1)]
    AreaDailySnapshot.objects.bulk_create(
        [AreaDailySnapshot(area=area, day=day, **figures(area, day, int(per_day * (day - start).days))) for day in days]
    )
    AreaProgress.objects.create(area=area, **figures(area, today, int(per_day * (last - start).days)))
    return area


def recipients(area, count, *, provider, at_risk=True, prefix="王"):
    people = []
    for index in range(count):
        person = RecipientFactory(area=area, provider=provider, name=f"{prefix}{index:02d}")
        RecipientProgress.objects.create(
            recipient=person,
            area=area,
            counted_visits=29 - index % 29,
            at_risk=at_risk,
            last_counted_on=area.cycle_start + dt.timedelta(days=40 + index),
            computed_at=timezone.now(),
        )
        people.append(person)
    if provider is None:  # the area's roll-up counts them, as the recount writes it
        AreaProgress.objects.filter(area=area).update(
            recipients_without_provider=F("recipients_without_provider") + count
        )
    return people


@pytest.fixture
def world():
    today = timezone.localdate()
    beijing = ProvinceFactory(code="110000", name="北京市")
    tianjin = ProvinceFactory(code="120000", name="天津市")
    hebei = ProvinceFactory(code="130000", name="河北省")
    # 180 days in, a steady pace expects 180/365 × 200 ≈ 99 person-times.
    ahead = build_area("110114", "昌平区", beijing, today=today, started_days_ago=180, per_day=0.62)
    build_area("110115", "大兴区", beijing, today=today, started_days_ago=180, per_day=0.45)
    build_area("110116", "怀柔区", beijing, today=today, started_days_ago=180, per_day=0.58)
    build_area("120101", "和平区", tianjin, today=today, started_days_ago=180, per_day=0.2)
    build_area("130102", "长安区", hebei, today=today, started_days_ago=400, per_day=0.7)
    failed = build_area("130104", "桥西区", hebei, today=today, started_days_ago=400, per_day=0.3)
    provider = ProviderFactory(name="昌平区颐养居家服务中心")
    at_risk = recipients(ahead, 45, provider=provider)
    recipients(ahead, 27, provider=None, at_risk=False, prefix="李")  # nobody serves them yet
    recipients(failed, 30, provider=ProviderFactory(name="桥西区居家服务站"), prefix="赵")
    ProviderAreaStats.objects.create(
        area=ahead,
        provider=provider,
        recipients=45,
        visits=400,
        counted_visits=360,
        open_exceptions=2,
        rated_visits=200,
        satisfied_visits=190,
        computed_at=timezone.now(),
    )
    return {"today": today, "ahead": ahead, "failed": failed, "at_risk": at_risk}


def official(username, role, **scope):
    user = User.objects.create_user(username, password=PASSWORD, is_staff=True)
    RoleAssignment.objects.create(user=user, role=role, **scope)
    return user


def log_in(page, live_server, username):
    page.goto(live_server.url + "/")
    page.wait_for_url(re.compile(r"/admin/login/"))
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")


def assert_chart_drawn(page, chart_id):
    chart = page.locator(f"#{chart_id}")
    chart.locator("canvas").first.wait_for()
    assert chart.get_attribute("data-drawn") == "true"
    box = chart.locator("canvas").first.bounding_box()
    assert box and box["width"] > 100 and box["height"] > 100, (chart_id, box)


def chart_option(page, chart_id):
    """The option ECharts drew the chart with (what is on the canvas)."""
    return page.evaluate(f"() => echarts.getInstanceByDom(document.getElementById('{chart_id}')).getOption()")


def visible_rows(page, table_id):
    return page.locator(f"#{table_id} tbody tr:visible")


@pytest.mark.parametrize(("width", "height"), VIEWPORTS)
def test_a_national_official_reads_every_level_from_the_nation_to_an_area(
    browser_page, live_server, world, width, height
):
    page = browser_page
    page.set_viewport_size({"width": width, "height": height})
    size = f"{width}x{height}"
    official("national", Role.NATIONAL_OFFICIAL)
    log_in(page, live_server, "national")

    # National: one bar pair per province, and the areas in several states told apart in words.
    page.wait_for_url(re.compile(r"/dashboards/national/$"))
    assert_chart_drawn(page, "chart-provinces")
    assert chart_option(page, "chart-provinces")["xAxis"][0]["data"] == ["北京市", "天津市", "河北省"]
    states = dict(
        page.locator("[data-testid=states] li").evaluate_all("items => items.map(i => [i.dataset.band, i.innerText])")
    )
    assert set(states) == {"failed", "far_behind", "behind", "on_track", "met"}, states
    assert "未达成" in states["failed"] and "已达成" in states["met"] and "严重滞后" in states["far_behind"]
    rows = page.locator("#area-table tbody tr")
    bands = dict(rows.evaluate_all("rows => rows.map(r => [r.dataset.area, r.dataset.band])"))
    assert bands == {
        "110114": "on_track",
        "110115": "behind",
        "110116": "on_track",
        "120101": "far_behind",
        "130102": "met",
        "130104": "failed",
    }
    assert "27" in page.locator("[data-testid=without-provider]").inner_text()
    screenshot(page, f"dashboard-national-{size}")

    # Province: one bar pair per pilot area of the province, under a title that says so.
    page.goto(live_server.url + "/dashboards/provinces/110000/")
    assert_chart_drawn(page, "chart-provinces")
    assert page.locator("#by-province").inner_text() == "各项目地区进度"
    assert chart_option(page, "chart-provinces")["xAxis"][0]["data"] == ["昌平区", "大兴区", "怀柔区"]
    assert page.locator("#area-table tbody tr").count() == 3
    assert page.locator("nav.crumbs").inner_text().replace("\n", "") == "全国 › 北京市"
    screenshot(page, f"dashboard-province-{size}")

    # Area: breadcrumbs by name; the trend over the cycle only, a line with a point a day.
    page.locator("#area-table a", has_text="北京市昌平区").click()
    page.wait_for_url(re.compile(r"/dashboards/areas/110114/"))
    assert page.locator("[data-testid=crumbs]").inner_text().replace("\n", "") == "全国 › 北京市 › 北京市昌平区"
    assert_chart_drawn(page, "chart-progress")
    area = world["ahead"]
    option = chart_option(page, "chart-progress")
    reached, target = option["series"]
    assert reached["showSymbol"] is True and reached["symbolSize"] > 0
    assert len(reached["data"]) == 181  # the cycle's first day to today, nothing before it
    assert reached["data"][0][0] == area.cycle_start.isoformat()
    assert reached["data"][-1] == [world["today"].isoformat(), int(0.62 * 180)]
    assert target["data"] == [[area.cycle_start.isoformat(), 0], [area.cycle_end.isoformat(), TARGET]]
    assert (option["xAxis"][0]["min"], option["xAxis"][0]["max"]) == (
        area.cycle_start.isoformat(),
        area.cycle_end.isoformat(),
    )
    # The last date label (centred on the cycle's end) fits inside the canvas.
    end_x, canvas_width = page.evaluate(
        """(end) => { const c = echarts.getInstanceByDom(document.getElementById('chart-progress'));
                      return [c.convertToPixel({xAxisIndex: 0}, end), c.getWidth()]; }""",
        area.cycle_end.isoformat(),
    )
    assert end_x + 40 <= canvas_width, (end_x, canvas_width)

    # Long lists come in pages and sort across all their rows.
    assert visible_rows(page, "at-risk").count() == 20
    assert page.locator("#at-risk").get_attribute("data-state") == "at_risk"
    assert "第 1–20 条，共 45 条" in page.locator("[data-pager-for=at-risk]").inner_text()
    page.locator("[data-pager-for=at-risk] [data-next]").click()
    assert "第 21–40 条，共 45 条" in page.locator("[data-pager-for=at-risk]").inner_text()
    page.locator("#at-risk thead th").nth(2).locator("button").click()  # counted visits, ascending
    first = visible_rows(page, "at-risk").first
    assert first.locator("td").nth(1).inner_text() == "1"
    assert "27" in page.locator("[data-testid=without-provider]").inner_text()
    assert visible_rows(page, "without-provider").count() == 20
    screenshot(page, f"dashboard-area-{size}")


@pytest.mark.parametrize(("width", "height"), VIEWPORTS)
def test_after_the_cycle_an_area_lists_who_failed_not_who_is_at_risk(browser_page, live_server, world, width, height):
    page = browser_page
    page.set_viewport_size({"width": width, "height": height})
    official(f"hebei-{width}", Role.DISTRICT_OFFICIAL, area=world["failed"])
    log_in(page, live_server, f"hebei-{width}")
    page.wait_for_url(re.compile(r"/dashboards/areas/130104/$"))
    assert page.locator("[data-figure=person_times] .band-label").inner_text().strip().startswith("未达成")
    assert "已结束" in page.locator(".cycle").inner_text()
    assert page.locator("#at-risk-heading").inner_text() == "周期内未达到30次的服务对象"
    assert page.locator("#at-risk").get_attribute("data-state") == "failed"
    assert set(page.locator("#at-risk tbody .status").all_inner_texts()) == {"未达成"}
    assert "有风险" not in page.locator("#at-risk").inner_text()
    assert_chart_drawn(page, "chart-progress")
    option = chart_option(page, "chart-progress")
    assert len(option["series"][0]["data"]) == 365  # the whole cycle, nothing after its last day
    screenshot(page, f"dashboard-area-failed-{width}x{height}")


def test_a_district_official_goes_back_in_time_and_opens_an_at_risk_recipient(browser_page, live_server, world):
    page = browser_page
    page.set_viewport_size({"width": 1366, "height": 768})
    official("district", Role.DISTRICT_OFFICIAL, area=world["ahead"])
    log_in(page, live_server, "district")
    page.wait_for_url(re.compile(r"/dashboards/areas/110114/$"))
    for chart_id in ("chart-progress", "chart-bands", "chart-beds", "chart-funds"):
        assert_chart_drawn(page, chart_id)
    assert page.locator(".headlines .card").count() == 4
    # A district official's crumbs name the nation and the province without linking beyond their scope.
    assert page.locator("[data-testid=crumbs] a").count() == 0

    past = world["today"] - dt.timedelta(days=30)
    page.fill("#as-of", past.isoformat())
    page.click("form.as-of button[type=submit]")
    page.wait_for_url(re.compile(rf"as_of={past.isoformat()}"))
    assert past.isoformat() in page.locator("[data-testid=updated]").inner_text()
    assert_chart_drawn(page, "chart-progress")
    assert len(chart_option(page, "chart-progress")["series"][0]["data"]) == 151  # nothing after the day
    # 150 days into the cycle at 0.62 a day: 93 person-times of 200, in the headline.
    assert "93" in page.locator("[data-figure=person_times] .big").inner_text()

    first = page.locator("#at-risk tbody a").first
    name = first.inner_text()
    first.click()
    page.wait_for_url(re.compile(r"/admin/recipients/recipient/\d+/change/"))
    assert name in page.content()


def test_a_district_official_cannot_open_another_area_and_gets_a_page_in_chinese(browser_page, live_server, world):
    page = browser_page
    page.set_viewport_size({"width": 1366, "height": 768})
    official("district2", Role.DISTRICT_OFFICIAL, area=world["ahead"])
    log_in(page, live_server, "district2")
    page.wait_for_url(re.compile(r"/dashboards/areas/110114/$"))
    response = page.goto(live_server.url + "/dashboards/areas/120101/")
    assert response.status == 404
    assert "该页面不存在" in page.locator("[data-testid=error-page]").inner_text()
    assert page.locator("header.site form.logout").is_visible()  # the site's header, with sign-out
    screenshot(page, "error-404-1366x768")


def test_a_national_official_sorts_the_area_table_and_switches_language(browser_page, live_server, world):
    page = browser_page
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(live_server.url + "/admin/login/")
    with page.expect_navigation():
        page.select_option("#language-select", "en")  # the login page has the switch too
    assert page.locator("label[for=id_username]").inner_text().startswith("Username")
    screenshot(page, "login-english-1366x768")
    with page.expect_navigation():
        page.select_option("#language-select", "zh-hans")
    assert "用户名" in page.locator("label[for=id_username]").inner_text()

    official("national2", Role.NATIONAL_OFFICIAL)
    log_in(page, live_server, "national2")
    page.wait_for_url(re.compile(r"/dashboards/national/$"))
    heading = page.locator("#area-table thead th").nth(4)  # person-times, % of target
    heading.locator("button").click()
    assert heading.get_attribute("aria-sort") == "ascending"
    codes = page.locator("#area-table tbody tr").evaluate_all("rows => rows.map(r => r.dataset.area)")
    assert codes[0] == "120101" and codes[-1] == "130102"
    with page.expect_navigation():
        page.select_option("#language-select", "en")
    assert page.url.endswith("/dashboards/national/")
    assert page.locator("h1").inner_text().startswith("National progress")
    page.goto(live_server.url + "/admin/")
    assert page.locator("#language-select").is_visible()  # and the admin has it
    with page.expect_navigation():
        page.select_option("#language-select", "zh-hans")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    screenshot(page, "admin-index-1366x768")
    assert "站点管理" in page.content() or "项目管理" in page.content()
