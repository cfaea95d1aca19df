import datetime as dt

import pytest

from tests.conftest import at


@pytest.fixture(autouse=True)
def during_the_cycle(time_machine):
    """Visits are logged the day after they happen, inside the 2023-07-01 – 2024-06-30 cycle."""
    time_machine.move_to(at(dt.date(2023, 8, 2), 10))
