"""Pace: the share of the cycle elapsed, what is expected by a day, and "at risk", in Python and in SQL.

`pace_at_risk_sql` is the CASE the recount statement embeds; here it is evaluated by the database
over a table of thousands of cases and compared with `pace_at_risk`, case by case.
(`tests/rollups/test_person_times.py` also checks it through the real recount.)
"""

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.db import connection

from eldercare.dashboards.selectors import area_row
from eldercare.exports.reports import expected_by as exported_expectation
from eldercare.rollups import services
from eldercare.rollups.rules import cycle_elapsed_share, expected_by, pace_at_risk, pace_at_risk_sql
from tests.factories import PilotAreaFactory

START, END = dt.date(2023, 7, 1), dt.date(2024, 6, 30)  # 366 days
CYCLES = [(START, END), (None, None)]
TODAYS = [
    START - dt.timedelta(days=1),
    START,
    START + dt.timedelta(days=1),
    dt.date(2023, 10, 1),
    dt.date(2024, 3, 1),
    END - dt.timedelta(days=9),
    END - dt.timedelta(days=4),
    END,
    END + dt.timedelta(days=1),
]
# Late first visits give a fast pace, where only the "days left" and projection branches decide.
FIRST_COUNTED = [
    None,
    START,
    START + dt.timedelta(days=3),
    dt.date(2023, 12, 1),
    END - dt.timedelta(days=20),
    END - dt.timedelta(days=8),
]
COUNTED = [0, 1, 2, 5, 9, 10, 15, 20, 25, 29, 30, 31]
NEEDED = [1, 3, 10, 30]
CHUNK = 400  # cases per statement: well under SQLite's limit of bound parameters


def cases():
    for (start, end), today, first, counted, needed in itertools.product(
        CYCLES, TODAYS, FIRST_COUNTED, COUNTED, NEEDED
    ):
        yield {"counted": counted, "needed": needed, "first": first, "start": start, "end": end, "today": today}


def at_risk_in_sql(chunk: list[dict]) -> list[bool]:
    date = "CAST(%s AS DATE)" if connection.vendor == "postgresql" else "%s"
    row = f"(%s, %s, %s, {date}, {date}, {date}, {date})"
    expression = pace_at_risk_sql(
        counted="t.counted",
        needed="t.needed",
        first_counted="t.first_day",
        cycle_start="t.cycle_start",
        cycle_end="t.cycle_end",
        today="t.today",
        vendor=connection.vendor,
    )
    statement = f"""
        WITH t(n, counted, needed, first_day, cycle_start, cycle_end, today) AS (
            VALUES {", ".join([row] * len(chunk))}
        )
        SELECT t.n, {expression} FROM t ORDER BY t.n
    """
    params = []
    for n, case in enumerate(chunk):
        params += [n, case["counted"], case["needed"], case["first"], case["start"], case["end"], case["today"]]
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return [bool(at_risk) for _n, at_risk in cursor.fetchall()]


def at_risk_in_python(case: dict) -> bool:
    return pace_at_risk(
        counted=case["counted"],
        needed=case["needed"],
        first_counted=case["first"],
        cycle_start=case["start"],
        cycle_end=case["end"],
        today=case["today"],
    )


@pytest.mark.django_db
def test_the_sql_and_the_python_pace_models_agree_on_every_case():
    every = list(cases())
    disagreements, flagged = [], 0
    for begin in range(0, len(every), CHUNK):
        chunk = every[begin : begin + CHUNK]
        for case, in_sql in zip(chunk, at_risk_in_sql(chunk), strict=True):
            in_python = at_risk_in_python(case)
            flagged += in_python
            if in_sql != in_python:
                disagreements.append((case, in_sql, in_python))
    assert disagreements == []
    assert len(every) > 3000 and 0 < flagged < len(every)  # both answers occur


def test_at_risk_is_re_exported_where_it_used_to_live():
    assert services.pace_at_risk is pace_at_risk


@pytest.mark.parametrize(
    ("day", "share"),
    [
        (START - dt.timedelta(days=1), Decimal(0)),
        (START, Decimal(1) / 366),
        (dt.date(2023, 12, 30), Decimal("0.5")),  # 183 of 366 days
        (END, Decimal(1)),
        (END + dt.timedelta(days=30), Decimal(1)),
    ],
)
def test_the_share_of_the_cycle_elapsed_counts_the_day_itself(day, share):
    assert cycle_elapsed_share(START, END, day) == share


def test_no_cycle_means_nothing_elapsed_and_nothing_expected():
    assert cycle_elapsed_share(None, None, START) == 0
    assert expected_by(4000, None, None, START) == 0


def test_the_expectation_is_the_target_times_the_share_elapsed():
    # 93 of 366 days by the end of 10-01: 4000 × 93 / 366 = 1016.39…
    assert expected_by(4000, START, END, dt.date(2023, 10, 1)) == Decimal(4000 * 93) / 366
    assert expected_by(4000, START, END, END) == 4000


@pytest.mark.django_db
@pytest.mark.parametrize("day", TODAYS)
def test_the_dashboard_and_the_progress_export_expect_the_same_by_a_day(day):
    area = PilotAreaFactory(cycle_start=START, cycle_end=END, target_person_times=4000, target_beds=2000)
    row = area_row(area, None, day=day)
    assert row.elapsed == cycle_elapsed_share(START, END, day)
    assert row.expected.person_times == expected_by(4000, START, END, day)
    assert row.expected.beds == expected_by(2000, START, END, day)
    # The export shows whole person-times: the same expectation, rounded.
    assert exported_expectation(4000, START, END, day) == round(row.expected.person_times)
