"""Progress per area and national: current, and as of a day from the daily snapshots."""

import datetime as dt

from eldercare.rollups.models import AreaDailySnapshot
from eldercare.rollups.services import recount_recipients

V1 = "/api/v1"


def snapshot(area, day, person_times, counted):
    return AreaDailySnapshot.objects.create(
        area=area,
        day=day,
        person_times_reached=person_times,
        counted_visits=counted,
        computed_at=dt.datetime(day.year, day.month, day.day, 23, tzinfo=dt.UTC),
    )


def test_current_progress_comes_from_the_roll_ups(world, as_national):
    recount_recipients([world.recipient_a.pk, world.recipient_b.pk])
    rows = as_national.get(f"{V1}/progress/areas/").json()
    assert {row["area_code"]: row["figures"]["counted_visits"] for row in rows} == {
        world.area_a.region.code: 1,
        world.area_b.region.code: 1,
    }
    national = as_national.get(f"{V1}/progress/national/").json()
    assert national["batch_year"] == 2023
    assert national["figures"]["counted_visits"] == 2


def test_as_of_a_day_each_area_shows_its_latest_snapshot_and_the_nation_their_sum(world, as_national):
    snapshot(world.area_a, dt.date(2023, 7, 10), 1, 100)
    snapshot(world.area_a, dt.date(2023, 7, 20), 2, 200)
    snapshot(world.area_a, dt.date(2023, 7, 30), 9, 900)  # after the day asked for
    snapshot(world.area_b, dt.date(2023, 7, 5), 4, 40)
    day = "2023-07-25"
    detail = as_national.get(f"{V1}/progress/areas/{world.area_a.region.code}/", {"as_of": day}).json()
    assert detail["snapshot_day"] == "2023-07-20"
    assert detail["figures"]["counted_visits"] == 200
    national = as_national.get(f"{V1}/progress/national/", {"as_of": day}).json()
    assert national["areas"] == 2
    assert national["figures"]["counted_visits"] == 240
    assert national["figures"]["person_times_reached"] == 6
    before = as_national.get(f"{V1}/progress/areas/", {"as_of": "2023-07-01"}).json()
    assert [row["figures"] for row in before] == [None, None]


def test_a_bad_date_is_a_400(world, as_national):
    response = as_national.get(f"{V1}/progress/national/", {"as_of": "yesterday"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "as_of" in response.json()
