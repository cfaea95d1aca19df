"""The demo's past snapshots: one a week (a fortnight once finished), rising, and the same as the roll-ups today."""

import datetime as dt

from eldercare.areas.models import PilotArea
from eldercare.demo.world import demo_world_create
from eldercare.demo.world.snapshots import _facts, figures_on
from eldercare.rollups.models import AreaDailySnapshot, ProgressFigures
from tests.demo.conftest import TODAY


def test_the_figures_derived_for_today_are_the_roll_ups_own_snapshot_of_today(small_world, today):
    demo_world_create(today=TODAY, recipients=150, seed=2)

    areas = list(PilotArea.objects.select_related("batch", "region"))
    facts = _facts([area.pk for area in areas])
    for area in areas:
        recomputed = AreaDailySnapshot.objects.get(area=area, day=TODAY)
        derived = figures_on(area, facts[area.pk], TODAY)
        assert derived == {name: getattr(recomputed, name) for name in ProgressFigures.FIGURE_FIELDS}, area


def test_a_running_area_has_a_snapshot_a_week_and_its_figures_never_go_down(small_world, today):
    demo_world_create(today=TODAY, recipients=150, seed=2)

    running = PilotArea.objects.filter(batch__name__endswith="（示例）").first()
    days = list(AreaDailySnapshot.objects.filter(area=running).order_by("day").values_list("day", flat=True))
    assert days[0] == running.cycle_start + dt.timedelta(days=6) and days[-1] == TODAY
    assert {(later - earlier).days for earlier, later in zip(days[:-2], days[1:-1], strict=True)} == {7}
    rows = AreaDailySnapshot.objects.filter(area=running).order_by("day")
    for earlier, later in zip(rows, rows[1:], strict=False):
        assert later.person_times_reached >= earlier.person_times_reached
        assert later.beds_accepted >= earlier.beds_accepted
        assert later.funds_disbursed >= earlier.funds_disbursed


def test_a_finished_area_has_a_snapshot_a_fortnight_and_one_on_its_last_day(small_world, today):
    demo_world_create(today=TODAY, recipients=150, seed=2)

    finished = small_world[0]
    days = list(AreaDailySnapshot.objects.filter(area=finished).order_by("day").values_list("day", flat=True))
    assert finished.cycle_end in days and days[-1] == TODAY
    assert (days[1] - days[0]).days == 14
    final = AreaDailySnapshot.objects.get(area=finished, day=finished.cycle_end)
    now = AreaDailySnapshot.objects.get(area=finished, day=TODAY)
    for name in ("person_times_reached", "counted_visits", "beds_accepted", "funds_disbursed"):
        assert getattr(final, name) == getattr(now, name), name  # nothing changes once the cycle is over
