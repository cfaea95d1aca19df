"""The dashboards read roll-up rows only: the same number of queries for a small world and a larger one."""

import datetime as dt

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from eldercare.rollups.models import ProviderAreaStats
from tests.dashboards.conftest import at_risk_recipients, make_area, snapshot
from tests.factories import CountyFactory, FamilyCareBedFactory, ProviderFactory, ProvinceFactory

pytestmark = pytest.mark.django_db


class World:
    """Areas in two provinces; the first area gets at-risk recipients, beds, providers and snapshots."""

    def __init__(self):
        self.provinces = [ProvinceFactory(code="110000"), ProvinceFactory(code="120000", name="天津市")]
        self.areas = []
        self.size = 0

    def grow(self, size: int) -> None:
        for index in range(len(self.areas), size):
            province = self.provinces[index % 2]
            region = CountyFactory(parent=province, code=f"{province.code[:2]}{index + 101:04d}")
            self.areas.append(make_area(region, person_times_reached=index))
        first = self.areas[0]
        for area in self.areas:
            for day in range(self.size, size):
                snapshot(area, dt.date(2023, 7, 1) + dt.timedelta(days=day), person_times_reached=day)
        for person in at_risk_recipients(first, size - self.size):
            FamilyCareBedFactory(recipient=person)
        for _ in range(size - self.size):
            ProviderAreaStats.objects.create(
                area=first, provider=ProviderFactory(), visits=10, computed_at=timezone.now()
            )
        self.size = size


def queries_for(client, url, params) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(queries)


# A list limit between the two sizes: the cut list must not cost an extra query.
@override_settings(DASHBOARD_AT_RISK_LIMIT=10)
@pytest.mark.parametrize(
    ("view", "params"),
    [
        ("national", {}),
        ("national", {"as_of": "2023-07-10"}),
        ("province", {}),
        ("area", {}),
        ("area", {"as_of": "2023-07-10"}),
    ],
)
def test_each_view_runs_the_same_number_of_queries_for_2_or_20_areas_and_recipients(
    client, national_official, view, params
):
    world = World()
    counts = []
    for size in (2, 20):
        world.grow(size)
        client.force_login(national_official)  # a fresh session each time, as a new request has
        kwargs = {"area": {"area_code": world.areas[0].code}, "province": {"province_code": "110000"}}.get(view, {})
        counts.append(queries_for(client, reverse(f"dashboards:{view}", kwargs=kwargs), params))
    assert counts[0] == counts[1], counts
    # The area page also names its province (breadcrumbs) and lists recipients without a provider.
    assert counts[1] <= 19
