"""The dashboards' figures against small worlds computed by hand (see conftest: half-way on 2023-12-30)."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.test import override_settings
from django.urls import reverse

from eldercare.dashboards import selectors
from eldercare.dashboards.selectors import BEHIND, FAR_BEHIND, ON_TRACK
from tests.conftest import at
from tests.dashboards.conftest import HALF_WAY, snapshot
from tests.factories import BatchFactory, DisbursementFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def half_way():
    with time_machine.travel(at(HALF_WAY, 12), tick=False):
        yield


def test_half_way_through_a_leap_year_cycle_is_exactly_half():
    assert selectors.cycle_elapsed_share(dt.date(2023, 7, 1), dt.date(2024, 6, 30), HALF_WAY) == Decimal("0.5")
    assert selectors.cycle_elapsed_share(dt.date(2023, 7, 1), dt.date(2024, 6, 30), dt.date(2023, 6, 30)) == 0
    assert selectors.cycle_elapsed_share(dt.date(2023, 7, 1), dt.date(2024, 6, 30), dt.date(2024, 7, 1)) == 1


def test_an_area_ahead_of_pace_is_on_track_on_every_figure(ahead, national_official):
    row = selectors.overview(national_official, today=HALF_WAY, batch=BatchFactory()).rows[0]
    h = row.headline
    assert (h["person_times"].value, h["person_times"].target, h["person_times"].percent) == (
        600,
        1000,
        Decimal("60.0"),
    )
    assert h["person_times"].expected_percent == Decimal("50.0")
    assert h["person_times"].gap == Decimal("10.0")
    assert (h["beds"].percent, h["satisfaction"].percent, h["funds"].percent) == (
        Decimal("60.0"),
        Decimal("95.0"),
        Decimal("50.0"),
    )
    assert {item.band for item in h.values()} == {ON_TRACK}
    assert row.band == ON_TRACK


def test_an_area_behind_pace_gets_behind_and_far_behind_bands(behind, national_official):
    row = selectors.overview(national_official, today=HALF_WAY, batch=BatchFactory()).rows[0]
    h = row.headline
    # 29% against 50% expected is 0.58 of the pace: far behind (below 0.7).
    assert (h["person_times"].percent, h["person_times"].band) == (Decimal("29.0"), FAR_BEHIND)
    # 40% against 50% is 0.8 of the pace: behind (below 0.9, not below 0.7).
    assert (h["beds"].percent, h["beds"].band) == (Decimal("40.0"), BEHIND)
    # 87% satisfied against a 90% floor, within the 5-point margin.
    assert (h["satisfaction"].percent, h["satisfaction"].band) == (Decimal("87.0"), BEHIND)
    assert (h["funds"].percent, h["funds"].band) == (Decimal("30.0"), FAR_BEHIND)
    assert row.band == FAR_BEHIND  # the worse of person-times and beds


def test_national_totals_sum_the_areas_and_pace_against_the_sum_of_their_expectations(ahead, behind, national_official):
    totals = selectors.overview(national_official, today=HALF_WAY, batch=BatchFactory()).totals
    h = totals.headline
    # 600 + 290 of 1000 + 1000 = 44.5%, against 50% expected: 0.89 of the pace, behind.
    assert (h["person_times"].value, h["person_times"].target, h["person_times"].percent) == (
        890,
        2000,
        Decimal("44.5"),
    )
    assert h["person_times"].band == BEHIND
    assert (h["beds"].value, h["beds"].percent, h["beds"].band) == (200, Decimal("50.0"), ON_TRACK)
    assert h["satisfaction"].percent == Decimal("91.0")  # 182 of 200 rated visits
    assert (h["funds"].value, h["funds"].percent) == (Decimal("800000"), Decimal("40.0"))
    assert totals.elapsed_percent == Decimal("50.0")


def test_the_thresholds_are_settings(behind, national_official):
    with override_settings(DASHBOARD_BEHIND_RATIO=0.75, DASHBOARD_FAR_BEHIND_RATIO=0.5):
        row = selectors.overview(national_official, today=HALF_WAY, batch=BatchFactory()).rows[0]
    assert row.headline["person_times"].band == BEHIND  # 0.58 of the pace: above 0.5, below 0.75
    assert row.headline["beds"].band == ON_TRACK  # 0.8 of the pace


def test_provinces_are_grouped_with_their_own_totals(ahead, behind, national_official):
    provinces = selectors.overview(national_official, today=HALF_WAY, batch=BatchFactory()).provinces
    assert [(group.code, group.name, group.totals.headline["person_times"].percent) for group in provinces] == [
        ("110000", "北京市", Decimal("60.0")),
        ("120000", "天津市", Decimal("29.0")),
    ]


def test_the_national_page_shows_the_figures_with_text_labels_not_only_colour(client, ahead, behind, national_official):
    client.force_login(national_official)
    page = client.get(reverse("dashboards:national"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "昌平区" in page and "和平区" in page
    assert "44.5%" in page and "50.0%" in page
    assert "Far behind" in page and "On track" in page and "Behind" in page
    assert 'id="chart-provinces"' in page and 'id="data-provinces"' in page
    assert "<details>" in page  # the data table behind the chart


def test_the_area_page_shows_bands_funds_by_use_and_the_straight_line_to_the_target(client, ahead, make_user):
    DisbursementFactory(area=ahead, use="beds", amount=Decimal("450000"), paid_on=dt.date(2023, 9, 1))
    DisbursementFactory(area=ahead, use="beds", amount=Decimal("1"), paid_on=dt.date(2024, 1, 2))  # not yet paid
    user = make_user("district_official", area=ahead)
    client.force_login(user)
    response = client.get(reverse("dashboards:area", kwargs={"area_code": "110114"}))
    assert response.status_code == 200
    dashboard = response.context["dashboard"]
    assert [band["value"] for band in dashboard.bands] == [100, 200, 150, 150, 600]
    funds = {line.use: (line.allocated, line.disbursed, line.percent) for line in dashboard.funds}
    assert funds == {
        "beds": (Decimal("600000"), Decimal("450000"), Decimal("75.0")),
        "home_visits": (Decimal("400000"), Decimal("0"), Decimal("0.0")),
    }
    assert dashboard.target_line == [{"day": "2023-07-01", "value": 0}, {"day": "2024-06-30", "value": 1000}]
    assert dashboard.days_left == 183


def test_as_of_a_past_day_shows_the_latest_snapshot_on_or_before_it(client, ahead, national_official):
    snapshot(ahead, dt.date(2023, 10, 1), person_times_reached=100)
    snapshot(ahead, dt.date(2023, 11, 1), person_times_reached=200, beds_accepted=50)
    snapshot(ahead, dt.date(2023, 12, 1), person_times_reached=400)
    client.force_login(national_official)
    response = client.get(reverse("dashboards:national"), {"as_of": "2023-11-15"})
    row = response.context["overview"].rows[0]
    assert row.snapshot_day == dt.date(2023, 11, 1)
    assert (row.headline["person_times"].value, row.headline["beds"].value) == (200, 50)
    # Paced on the snapshot's day: 124 of 366 days elapsed.
    assert row.headline["person_times"].expected_percent == Decimal("33.9")
    assert "2023-11-15" in response.content.decode()

    area_page = client.get(reverse("dashboards:area", kwargs={"area_code": "110114"}), {"as_of": "2023-11-15"})
    dashboard = area_page.context["dashboard"]
    assert dashboard.row.headline["person_times"].value == 200
    assert [point["person_times"] for point in dashboard.series] == [100, 200]  # nothing after the day


def test_as_of_before_any_snapshot_shows_no_figures_rather_than_zeros(client, ahead, national_official):
    client.force_login(national_official)
    row = client.get(reverse("dashboards:national"), {"as_of": "2023-08-01"}).context["overview"].rows[0]
    assert row.figures is None
    assert row.headline["person_times"].percent is None
    assert row.band == "no_data"


def test_a_malformed_day_shows_todays_figures_with_a_message(client, ahead, national_official):
    client.force_login(national_official)
    response = client.get(reverse("dashboards:national"), {"as_of": "yesterday"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.context["as_of"] is None
    assert response.context["overview"].rows[0].headline["person_times"].value == 600
    assert "is not a day" in response.content.decode()


def test_every_page_says_when_its_figures_were_last_brought_up_to_date(client, ahead, national_official):
    client.force_login(national_official)
    page = client.get(reverse("dashboards:national"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Last brought up to date: 2023-12-30 12:00" in page
    snapshot(ahead, dt.date(2023, 11, 1), person_times_reached=200)
    url = reverse("dashboards:area", kwargs={"area_code": "110114"})
    page = client.get(url, {"as_of": "2023-11-02"}, HTTP_ACCEPT_LANGUAGE="en").content
    assert "Last brought up to date: 2023-12-30 12:00" in page.decode()  # the snapshot's computed_at


def test_pages_are_chinese_first_and_switch_to_english(client, ahead, national_official):
    client.force_login(national_official)
    url = reverse("dashboards:national")
    assert '<html lang="zh-hans">' in client.get(url).content.decode()
    response = client.post(reverse("set_language"), {"language": "en", "next": url})
    assert response.url == url
    page = client.get(url).content.decode()
    assert '<html lang="en">' in page and "Person-times reached" in page
