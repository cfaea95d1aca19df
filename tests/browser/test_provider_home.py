"""A provider's day in Chromium (zh-CN, 1366×768 and 1920×1080): their home, logging a visit, the review queue.

The world is the demo world (`seed_demo`) over five 2023 areas, built for today, with the README's
demo users; screenshots go to test-artifacts/ (tests/browser/conftest.py).
"""

import datetime as dt
import re

import pytest
from django.core.management import call_command
from django.utils import timezone

from eldercare.accounts.models import RoleAssignment
from eldercare.demo.world import demo_world_create
from eldercare.recipients.models import Recipient
from eldercare.rollups.models import RecipientProgress
from eldercare.visits.models import ExceptionStatus, ServiceCategory, VisitException
from tests.browser.conftest import screenshot
from tests.demo.conftest import small_world  # noqa: F401 - the fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "eldercare-demo"  # the README's demo password (ensure_demo_admin)
VIEWPORTS = [(1366, 768), (1920, 1080)]


@pytest.fixture
def demo(small_world):  # noqa: F811 - the fixture imported above
    today = timezone.localdate()
    demo_world_create(today=today, recipients=220, seed=2023)
    call_command("ensure_demo_admin", verbosity=0)
    return today


def log_in(page, live_server, username: str) -> None:
    page.goto(live_server.url + "/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_load_state()


def fits_the_width(page, selector: str) -> bool:
    """Nothing in `selector` reaches past the window's right edge (no sideways scrolling)."""
    return page.evaluate(
        """(selector) => {
            const box = document.querySelector(selector).getBoundingClientRect();
            return box.right <= window.innerWidth + 1 && document.documentElement.scrollWidth <= window.innerWidth + 1;
        }""",
        selector,
    )


def figure(page, testid: str) -> int:
    return int(page.get_by_test_id(testid).inner_text())


def test_a_provider_sees_their_people_logs_a_visit_and_learns_whether_it_counts(browser_page, live_server, demo):
    page, today = browser_page, demo
    provider = RoleAssignment.objects.select_related("provider").get(user__username="provider").provider
    people = Recipient.objects.filter(provider=provider, area__cycle_start__lte=today, area__cycle_end__gte=today)
    progress = {p.recipient_id: p for p in RecipientProgress.objects.filter(recipient__in=people)}
    log_in(page, live_server, "provider")

    for width, height in VIEWPORTS:
        page.set_viewport_size({"width": width, "height": height})
        page.goto(live_server.url + "/provider/")
        assert provider.name in page.get_by_test_id("provider-name").inner_text()
        assert "示例" in page.get_by_test_id("provider-name").inner_text()
        assert figure(page, "people") == people.count() >= 3
        assert figure(page, "at-risk") == sum(1 for p in progress.values() if p.at_risk)
        assert figure(page, "reached") == sum(1 for p in progress.values() if p.counted_visits >= 30)
        row = page.get_by_test_id("person-row").first
        person = people.get(pk=row.get_attribute("data-recipient"))
        counted = progress[person.pk].counted_visits
        assert row.get_by_test_id("counted").inner_text().strip() == f"{counted} / 30"
        assert int(row.get_by_test_id("still-needed").inner_text()) == max(0, 30 - counted)
        assert int(row.get_by_test_id("days-left").inner_text()) == (person.area.cycle_end - today).days + 1
        assert "有风险" in row.get_by_test_id("state").inner_text()  # the people at risk come first
        assert page.locator("th", has_text="姓名").count() == 2 and page.locator("th", has_text="名称").count() == 0
        assert fits_the_width(page, "[data-testid=people-table]")
        screenshot(page, f"provider-home-{width}x{height}")

    # Log a visit for the first person at risk, from their row; the caregiver and category are picked.
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(live_server.url + "/provider/")
    row = page.get_by_test_id("person-row").first
    person = people.get(pk=row.get_attribute("data-recipient"))
    href = row.get_by_role("link", name="登记上门服务").get_attribute("href")
    caregiver = provider.caregivers.order_by("pk").first()
    category = ServiceCategory.objects.order_by("sort_order").first()
    page.goto(f"{live_server.url}{href}&caregiver={caregiver.pk}&category={category.pk}")
    start = max(timezone.localtime() - dt.timedelta(hours=2), timezone.localtime().replace(hour=0, minute=1))
    page.fill("#id_started_at_0", start.strftime("%Y-%m-%d"))
    page.fill("#id_started_at_1", start.strftime("%H:%M:%S"))
    page.fill("#id_ended_at_0", start.strftime("%Y-%m-%d"))
    page.fill("#id_ended_at_1", (start + dt.timedelta(minutes=50)).strftime("%H:%M:%S"))
    page.fill("#id_checkin_latitude", str(person.home_latitude))
    page.fill("#id_checkin_longitude", str(person.home_longitude))
    screenshot(page, "provider-log-visit-1366x768")
    page.click("input[name=_save]")
    page.wait_for_url(re.compile(r"/provider/$"))

    message = page.get_by_test_id("messages").inner_text()
    assert f"本次服务计入{person.name}的1人次进度" in message
    assert figure(page, "today-count") == 1
    assert page.get_by_test_id("decision").first.inner_text().strip() == "计入"
    screenshot(page, "provider-home-after-logging-1366x768")

    # A second, 20-minute visit the same day does not count, and the page says why.
    page.goto(f"{live_server.url}{href}&caregiver={caregiver.pk}&category={category.pk}")
    later = start + dt.timedelta(minutes=55)
    page.fill("#id_started_at_0", later.strftime("%Y-%m-%d"))
    page.fill("#id_started_at_1", later.strftime("%H:%M:%S"))
    page.fill("#id_ended_at_0", later.strftime("%Y-%m-%d"))
    page.fill("#id_ended_at_1", (later + dt.timedelta(minutes=20)).strftime("%H:%M:%S"))
    page.click("input[name=_save]")
    page.wait_for_url(re.compile(r"/provider/$"))
    message = page.get_by_test_id("messages").inner_text()
    assert f"本次服务不计入{person.name}的1人次进度" in message and "服务时长不足" in message
    assert figure(page, "today-count") == 2
    assert any("不计入" in text for text in page.get_by_test_id("decision").all_inner_texts())
    screenshot(page, "provider-home-visit-not-counted-1366x768")


def test_a_district_official_reviews_warnings_and_blocking_exceptions_apart(browser_page, live_server, demo):
    page = browser_page
    area = RoleAssignment.objects.get(user__username="official").area
    open_ones = VisitException.objects.filter(area=area, status=ExceptionStatus.OPEN)
    warnings, blocking = open_ones.filter(severity="warning"), open_ones.filter(severity="blocking")
    assert warnings.exists() and blocking.exists()
    log_in(page, live_server, "official")

    for width, height in VIEWPORTS:
        page.set_viewport_size({"width": width, "height": height})
        page.goto(live_server.url + "/admin/visits/visitexception/")
        tab = page.get_by_test_id("tab-warning")
        assert tab.get_attribute("aria-current") == "page"
        assert tab.inner_text().split()[-1] == str(warnings.count())
        assert page.get_by_test_id("tab-blocking").inner_text().split()[-1] == str(blocking.count())
        types = page.locator("#result_list td.field-type").all_inner_texts()
        assert len(types) == warnings.count()
        assert set(types) <= {"服务人员服务时间重叠", "签到位置距住所过远", "逾期录入", "服务时长过长"}
        assert re.fullmatch(r"\d+ 天|今天", page.locator("#result_list td.field-entered_ago").first.inner_text())
        assert fits_the_width(page, "#result_list")
        # One line per row: the type never breaks one character a line.
        heights = page.locator("#result_list td.field-type").evaluate_all("cells => cells.map(c => c.clientHeight)")
        names = page.locator("#result_list td.field-recipient_name").evaluate_all(
            "cells => cells.map(c => c.clientHeight)"
        )
        assert heights == names
        screenshot(page, f"review-queue-warnings-{width}x{height}")

        page.get_by_test_id("tab-blocking").click()
        page.wait_for_url(re.compile(r"severity=blocking"))
        types = page.locator("#result_list td.field-type").all_inner_texts()
        assert len(types) == blocking.count()
        assert set(types) <= {"服务时长不足", "服务对象当日不符合条件", "超出项目周期", "开始时间晚于当前时间"}
        assert "不能豁免" in page.get_by_test_id("queue-hint").inner_text()
        assert fits_the_width(page, "#result_list")
        screenshot(page, f"review-queue-blocking-{width}x{height}")
