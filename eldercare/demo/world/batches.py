"""The two batches of the demo world, and the state each running area is made to show.

- The finished batch is the latest official one loaded (`load_reference_data`: 2023, 50 areas). The
  world adds history to it, for the trend over a whole cycle and for as-of reports.
- The running batch is invented (marked 示例): the same regions again, each with a one-year cycle
  40–80 % elapsed today, and targets scaled to the demo's size so that the areas spread over four
  states of pace. A second run reuses it as it stands.

Pace is the area's figure against what a steady pace would have reached by today
(`rollups.rules.expected_by`). The dashboards call an area behind below DASHBOARD_BEHIND_RATIO of
that and far behind below DASHBOARD_FAR_BEHIND_RATIO; the demo also tells "ahead" (at least the
inverse of the behind ratio) from "on pace".
"""

import datetime as dt
from decimal import Decimal

from django.conf import settings

from eldercare.areas.models import Batch, PilotArea
from eldercare.rollups.rules import expected_by

from .base import DEMO_MARK, Dice, one_year_from

AHEAD, ON_PACE, BEHIND, FAR_BEHIND = "ahead", "on_pace", "behind", "far_behind"
STATES = (AHEAD, ON_PACE, BEHIND, FAR_BEHIND)
# How often each state is drawn once all four have appeared.
STATE_WEIGHTS = {AHEAD: 2, ON_PACE: 3, BEHIND: 3, FAR_BEHIND: 2}
# The area the demo users work in (北京市昌平区) is on pace, so their pages show a healthy area.
STATE_OF_REGION = {"110114": ON_PACE}
ELAPSED_DAYS = (146, 292)  # 40 % and 80 % of a 365-day cycle
# A fitted ratio keeps this far from a state's edges, so rounding on a page cannot move it across.
EDGE_MARGIN = 0.03


def _thresholds() -> tuple[float, float]:
    return float(settings.DASHBOARD_BEHIND_RATIO), float(settings.DASHBOARD_FAR_BEHIND_RATIO)


def state_of(ratio: float) -> str:
    """The state of a figure at `ratio` times what the pace line expects by now."""
    behind, far_behind = _thresholds()
    if ratio >= 1 / behind:
        return AHEAD
    if ratio >= behind:
        return ON_PACE
    if ratio >= far_behind:
        return BEHIND
    return FAR_BEHIND


def _edges() -> list[float]:
    behind, far_behind = _thresholds()
    return [1 / behind, behind, far_behind]


def typical_ratio(state: str) -> float:
    """The ratio an area in `state` is fitted to (and pays out at): well inside the state's range."""
    behind, far_behind = _thresholds()
    return {AHEAD: 1.25 / behind, ON_PACE: 1.0, BEHIND: (behind + far_behind) / 2, FAR_BEHIND: far_behind * 0.6}[state]


def pace_ratio(reached: int, target: int, start: dt.date, end: dt.date, day: dt.date) -> float | None:
    """Reached against what a steady pace to `target` would have reached by the end of `day`."""
    expected = expected_by(target, start, end, day)
    return float(Decimal(reached) / expected) if expected else None


def fit(state: str, *, start: dt.date, end: dt.date, today: dt.date, size: int, most: int) -> tuple[int, int] | None:
    """A (reached, target) pair that puts an area in `state` today: target near `size`, reached ≤ `most`.

    Small numbers move the ratio in big steps, so both are searched together (for each target, the
    few counts around the typical ratio); the pair closest to the state's typical ratio wins, a
    target far from `size` and a far-behind area with nothing reached being a little worse. None
    when no pair fits (a tiny area on an awkward day: `fit_with_cycle` then moves the cycle).
    """
    wanted, best, best_cost = typical_ratio(state), None, None
    for target in range(1, max(8, 3 * size) + 1):
        expected = float(expected_by(target, start, end, today))
        around = int(wanted * expected)
        for reached in {max(0, min(most, count)) for count in range(around - 1, around + 3)}:
            ratio = pace_ratio(reached, target, start, end, today)
            if ratio is None or state_of(ratio) != state:
                continue
            if any(abs(ratio - edge) < EDGE_MARGIN for edge in _edges()):
                continue
            cost = abs(ratio - wanted) + 0.3 * abs(target - size) / max(1, size) + (0.3 if reached == 0 else 0)
            if best_cost is None or cost < best_cost:
                best, best_cost = (reached, target), cost
    return best


def cycle_of(today: dt.date, elapsed_days: int) -> tuple[dt.date, dt.date]:
    start = today - dt.timedelta(days=elapsed_days - 1)
    return start, one_year_from(start)


def fit_with_cycle(
    state: str, *, today: dt.date, elapsed_days: int, people: int, beds_most: int, sizes: tuple[int, int]
) -> tuple[int, tuple[int, int], tuple[int, int]]:
    """The elapsed days (the drawn ones, or the nearest that work) and the (reached, target) pairs of
    person-times and beds that put a running area in `state`; `beds_most(reached)` bounds the beds."""
    tries = [elapsed_days] + [elapsed_days + sign * step for step in range(7, 147, 7) for sign in (-1, 1)]
    for days in (d for d in tries if ELAPSED_DAYS[0] <= d <= ELAPSED_DAYS[1]):
        start, end = cycle_of(today, days)
        window = {"start": start, "end": end, "today": today}
        persons = fit(state, size=sizes[0], most=max(0, people - max(2, people // 4)), **window)
        beds = persons and fit(state, size=sizes[1], most=beds_most(persons[0]), **window)
        if persons and beds:
            return days, persons, beds
    return elapsed_days, (0, max(1, sizes[0])), (0, max(1, sizes[1]))  # nothing fits: far behind, say so


def history_batch() -> Batch | None:
    """The latest batch with areas that the demo did not invent (the official list, or a test's)."""
    return (
        Batch.objects.filter(areas__isnull=False).exclude(name__endswith=DEMO_MARK).distinct().order_by("-year").first()
    )


def running_batch_existing() -> Batch | None:
    return Batch.objects.filter(name__endswith=DEMO_MARK).order_by("-year").first()


def running_batch_new(history: Batch, today: dt.date) -> Batch:
    """A new batch named for the year its cycles start in (a later one if that year is taken)."""
    year = max(2021, (today - dt.timedelta(days=sum(ELAPSED_DAYS) // 2)).year)
    taken = set(Batch.objects.values_list("year", flat=True))
    while year in taken:
        year += 1
    return Batch(
        year=year,
        name=f"{year}年居家和社区基本养老服务提升行动项目{DEMO_MARK}",
        **history.rule_settings(),
    )


def draw_states(dice: Dice, region_codes: list[str]) -> dict[str, str]:
    """A state for each region's running area: all four appear first (in a random order), then by weight."""
    free = [code for code in region_codes if code not in STATE_OF_REGION]
    first = list(STATES)
    dice.rng.shuffle(first)
    states = {code: STATE_OF_REGION[code] for code in region_codes if code in STATE_OF_REGION}
    for index, code in enumerate(free):
        states[code] = first[index] if index < len(first) else dice.weighted(STATE_WEIGHTS)
    return states


def running_area(batch: Batch, history_area: PilotArea, *, dice: Dice, today: dt.date) -> PilotArea:
    """The region's area in the running batch: its cycle 40–80 % elapsed today; targets come later."""
    start, end = cycle_of(today, dice.rng.randint(*ELAPSED_DAYS))
    return PilotArea(
        batch=batch,
        region=history_area.region,
        is_demo=True,
        funds_arrived_on=start,
        cycle_start=start,
        cycle_end=end,
        target_satisfaction=history_area.target_satisfaction,
    )
