"""The current batch: the newest whose first cycle has started by the day, else the newest (areas.selectors)."""

import datetime as dt

from eldercare.areas.selectors import current_batch, newest_started
from tests.factories import BatchFactory, PilotAreaFactory


def _batch_with_cycle(year: int, start: dt.date | None):
    batch = BatchFactory(year=year, name=f"{year}年批次")
    end = start.replace(year=start.year + 1) - dt.timedelta(days=1) if start else None
    PilotAreaFactory(batch=batch, cycle_start=start, cycle_end=end, funds_arrived_on=start)
    return batch


def test_a_batch_whose_funds_have_not_arrived_is_not_yet_current(db):
    running = _batch_with_cycle(2023, dt.date(2023, 7, 1))
    announced = _batch_with_cycle(2024, dt.date(2024, 7, 1))
    assert current_batch(dt.date(2024, 6, 30)) == running
    assert current_batch(dt.date(2024, 7, 1)) == announced


def test_with_no_cycle_started_the_newest_batch_is_current(db):
    _batch_with_cycle(2023, None)
    newest = _batch_with_cycle(2024, None)
    assert current_batch(dt.date(2023, 1, 1)) == newest
    assert newest_started([], dt.date(2023, 1, 1), lambda item: None) is None
