"""The dashboards in real headless Chromium: log in, see charts drawn, go back in time, sort, follow links."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from eldercare.accounts.models import Role, RoleAssignment
from eldercare.beds.models import FamilyCareBed
from eldercare.dashboards.models import ProviderAreaStats
from eldercare.rollups.models import AreaDailySnapshot, AreaProgress, RecipientProgress
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


def figures(area, day, person_times):
    return {
        "recipients": 300,
        "person_times_reached": person_times,
        "target_person_times": area.target_person_times,
        "band_0": 40,
        "band_1_9": 80,
        "band_10_19": 60,
        "band_20_29": 300 - 180 - person_times if person_times < 120 else 0,
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


def build_area(code, province, *, today, pace):
    """An area 180 days into its cycle with 60 daily snapshots; `pace` person-times a day."""
    start = today - dt.timedelta(days=180)
    area = PilotAreaFactory(
        batch=BatchFactory(),
        region=CountyFactory(parent=province, code=code, name=f"测试区{code[-3:]}"),
        cycle_start=start,
        cycle_end=start + dt.timedelta(days=365),
        target_person_times=200,
        target_beds=100,
    )
    FundAllocationFactory(area=area, use="beds", amount=Decimal("600000"))
    FundAllocationFactory(area=area, use="home_visits", amount=Decimal("400000"))
    DisbursementFactory(area=area, use="beds", amount=Decimal("400000"), paid_on=start + dt.timedelta(days=30))
    for back in range(60, 0, -1):
        day = today - dt.timedelta(days=back)
        AreaDailySnapshot.objects.create(area=area, day=day, **figures(area, day, int(pace * (180 - back))))
    AreaProgress.objects.create(area=area, **figures(area, today, int(pace * 180)))
    return area


@pytest.fixture
def world():
    today = timezone.localdate()
    beijing = ProvinceFactory(code="110000", name="北京市")
    tianjin = ProvinceFactory(code="120000", name="天津市")
    ahead = build_area("110114", beijing, today=today, pace=0.6)
    behind = build_area("120101", tianjin, today=today, pace=0.2)
    build_area("110115", beijing, today=today, pace=0.45)
    provider = ProviderFactory(name="昌平区颐养居家服务中心")
    at_risk = []
    for index, counted in enumerate([12, 8, 3]):
        person = RecipientFactory(area=ahead, provider=provider, name=f"王{'一二三'[index]}")
        RecipientProgress.objects.create(
            recipient=person, area=ahead, counted_visits=counted, at_risk=True, computed_at=timezone.now()
        )
        FamilyCareBed.objects.create(recipient=person, area=ahead, applied_on=today - dt.timedelta(days=100))
        at_risk.append(person)
    ProviderAreaStats.objects.create(
        area=ahead,
        provider=provider,
        recipients=3,
        visits=40,
        counted_visits=36,
        open_exceptions=2,
        rated_visits=20,
        satisfied_visits=19,
        computed_at=timezone.now(),
    )
    return {"today": today, "ahead": ahead, "behind": behind, "at_risk": at_risk}


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


def test_a_district_official_sees_their_area_goes_back_in_time_and_opens_an_at_risk_recipient(
    browser_page, live_server, world
):
    page = browser_page
    official("district", Role.DISTRICT_OFFICIAL, area=world["ahead"])
    log_in(page, live_server, "district")
    page.wait_for_url(re.compile(r"/dashboards/areas/110114/$"))
    for chart_id in ("chart-progress", "chart-bands", "chart-beds", "chart-funds"):
        assert_chart_drawn(page, chart_id)
    assert page.locator(".headlines .card").count() == 4
    screenshot(page, "area-view")
    page.set_viewport_size({"width": 820, "height": 1180})  # a tablet held upright
    assert_chart_drawn(page, "chart-progress")
    screenshot(page, "area-view-tablet")
    page.set_viewport_size({"width": 1280, "height": 900})

    past = world["today"] - dt.timedelta(days=30)
    page.fill("#as-of", past.isoformat())
    page.click("form.as-of button[type=submit]")
    page.wait_for_url(re.compile(rf"as_of={past.isoformat()}"))
    assert past.isoformat() in page.locator("[data-testid=updated]").inner_text()
    assert_chart_drawn(page, "chart-progress")
    # 150 days into the cycle at 0.6 a day: 90 person-times of 200, in the headline.
    assert "90" in page.locator("[data-figure=person_times] .big").inner_text()
    screenshot(page, "area-view-as-of")

    first = page.locator("#at-risk tbody a").first
    assert first.inner_text() == "王一"  # closest to the person-time first (12 visits)
    first.click()
    page.wait_for_url(re.compile(rf"/admin/recipients/recipient/{world['at_risk'][0].pk}/change/"))
    assert "王一" in page.content()
    screenshot(page, "at-risk-recipient")


def test_a_district_official_cannot_open_another_area(browser_page, live_server, world):
    page = browser_page
    official("district2", Role.DISTRICT_OFFICIAL, area=world["ahead"])
    log_in(page, live_server, "district2")
    page.wait_for_url(re.compile(r"/dashboards/areas/110114/$"))
    response = page.goto(live_server.url + "/dashboards/areas/120101/")
    assert response.status == 404


def test_a_national_official_sorts_the_area_table(browser_page, live_server, world):
    page = browser_page
    official("national", Role.NATIONAL_OFFICIAL)
    log_in(page, live_server, "national")
    page.wait_for_url(re.compile(r"/dashboards/national/$"))
    assert_chart_drawn(page, "chart-provinces")
    codes = page.locator("#area-table tbody tr").evaluate_all("rows => rows.map(r => r.dataset.area)")
    assert codes == ["110114", "110115", "120101"]

    heading = page.locator("#area-table thead th").nth(4)  # person-times, % of target (in any language)
    heading.locator("button").click()
    assert heading.get_attribute("aria-sort") == "ascending"
    codes = page.locator("#area-table tbody tr").evaluate_all("rows => rows.map(r => r.dataset.area)")
    assert codes == ["120101", "110115", "110114"]  # 0.2, 0.45 and 0.6 person-times a day
    heading.locator("button").click()
    assert heading.get_attribute("aria-sort") == "descending"
    codes = page.locator("#area-table tbody tr").evaluate_all("rows => rows.map(r => r.dataset.area)")
    assert codes == ["110114", "110115", "120101"]
    screenshot(page, "national-view-sorted")

    page.locator("#area-table tbody tr[data-area='120101'] a").click()
    page.wait_for_url(re.compile(r"/dashboards/areas/120101/"))
    screenshot(page, "area-view-behind")
