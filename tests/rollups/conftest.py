import datetime as dt

import pytest

from tests.conftest import at

CYCLE_START = dt.date(2023, 7, 1)


@pytest.fixture
def log_visits_on_days(log_visit, time_machine, django_capture_on_commit_callbacks):
    """Log one visit on each of `count` consecutive cycle days, each entered the same evening.

    On-commit callbacks run, so the roll-up recount happens just as it does in production.
    """

    def log(count, *, first_day=CYCLE_START, **overrides):
        visits = []
        for offset in range(count):
            day = first_day + dt.timedelta(days=offset)
            time_machine.move_to(at(day, 20))
            with django_capture_on_commit_callbacks(execute=True):
                visits.append(log_visit(start=at(day, 9), **overrides))
        return visits

    return log
