"""Eligibility on a day: `recipients.selectors.eligibility_on` and the query the recipient ledger uses agree.

The recipient ledger (exports.reports.recipient_rows_queryset) computes "eligible on the as-of day"
in SQL over history rows: the age, the economic category and the assessment in force that day,
with the batch's choice on partial disability. It is a second implementation, kept because an
export reads the records as they stood on its day; this test holds it to the Python rule on a grid
of people around every edge (60th birthday, leap days, no difficulty, each level, assessments
before, on and after the day, a replaced assessment).
"""

import datetime as dt
import itertools

import pytest

from eldercare.areas.models import PilotArea
from eldercare.exports.reports import Scope, recipient_rows_queryset
from eldercare.recipients.models import CapabilityLevel, EconomicCategory
from eldercare.recipients.selectors import eligibility_on
from tests.conftest import at
from tests.factories import AssessmentFactory, BatchFactory, PilotAreaFactory, RecipientFactory

DAYS = [dt.date(2023, 8, 1), dt.date(2024, 2, 28), dt.date(2024, 2, 29)]


def sixty_on(day: dt.date) -> dt.date:
    return day.replace(year=day.year - 60)


def births(day: dt.date) -> list[dt.date]:
    return [
        sixty_on(day),  # 60 that very day
        sixty_on(day) + dt.timedelta(days=1),  # 60 tomorrow
        dt.date(1964, 2, 29),  # a leap-day birthday
        dt.date(1948, 5, 5),
    ]


def assessment_plans(day: dt.date) -> list[list[tuple[dt.date, str]]]:
    before, after = day - dt.timedelta(days=30), day + dt.timedelta(days=1)
    plans = [[]]  # never assessed
    plans += [[(before, level)] for level in CapabilityLevel.values]
    plans += [
        [(day, CapabilityLevel.SEVERE)],  # assessed that day: in force
        [(after, CapabilityLevel.SEVERE)],  # only after the day
        [(before, CapabilityLevel.INTACT), (day, CapabilityLevel.COMPLETE)],  # replaced that day
        [(before, CapabilityLevel.SEVERE), (after, CapabilityLevel.INTACT)],  # replaced after the day
    ]
    return plans


@pytest.fixture
def people(db, time_machine):
    """Everyone, entered a year before the first day so every as-of read finds them."""
    time_machine.move_to(at(dt.date(2022, 6, 1), 10))
    areas = [
        PilotAreaFactory(batch=BatchFactory(year=2023, visits_include_partial_disability=False)),
        PilotAreaFactory(batch=BatchFactory(year=2024, visits_include_partial_disability=True)),
    ]
    made = []
    for day in DAYS:
        for area, birth, economic, plan in itertools.product(
            areas, births(day), [EconomicCategory.MINIMUM_ALLOWANCE, EconomicCategory.NONE], assessment_plans(day)
        ):
            person = RecipientFactory(area=area, birth_date=birth, economic_category=economic)
            for assessed_on, level in plan:
                AssessmentFactory(recipient=person, assessed_on=assessed_on, level=level)
            made.append(person)
    time_machine.move_to(at(dt.date(2024, 6, 1), 10))
    return made


def test_the_ledgers_eligibility_query_agrees_with_eligibility_on(people):
    for day in DAYS:  # one world for every day: each person is checked on all of them
        scope = Scope(areas=PilotArea.objects.all(), provider=None, as_of=day, filters={})
        in_sql = dict(recipient_rows_queryset(scope).values_list("id", "eligible"))
        in_python = {person.pk: int(bool(eligibility_on(person, day))) for person in people}
        assert in_sql == in_python, day
        assert 0 < sum(in_python.values()) < len(in_python)  # both answers occur
