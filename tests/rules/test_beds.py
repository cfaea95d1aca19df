"""A bed counting toward the target: the Python predicate and the query agree on a grid of cases.

DOMAIN.md: a bed counts when accepted (验收合格) within its area's cycle, whatever happens after; as
of a day D, when also accepted on or before D.
"""

import datetime as dt
import itertools

import pytest

from eldercare.beds.models import FamilyCareBed
from eldercare.beds.rules import bed_counts_toward_target, beds_counting_toward_target_q
from eldercare.exports.selectors import as_of_rows, end_of_day
from tests.factories import FamilyCareBedFactory, PilotAreaFactory, ProviderFactory, RecipientFactory

START, END = dt.date(2023, 7, 1), dt.date(2024, 6, 30)
ACCEPTED_ON = [None, START - dt.timedelta(days=1), START, dt.date(2023, 12, 1), END, END + dt.timedelta(days=1)]
AS_OF = [
    None,
    START - dt.timedelta(days=1),
    START,
    dt.date(2023, 11, 30),
    dt.date(2023, 12, 1),
    END,
    dt.date(2025, 1, 1),
]
ACCEPTED_STATES = ["accepted", "in_service", "withdrawn"]


@pytest.fixture
def grid(db):
    """Beds in an area with a cycle and in one without, accepted on each date, in each status that may carry one."""
    inspector = ProviderFactory()
    areas = [PilotAreaFactory(cycle_start=START, cycle_end=END), PilotAreaFactory(cycle_start=None, cycle_end=None)]
    beds = []
    for area, accepted_on in itertools.product(areas, ACCEPTED_ON):
        states = ACCEPTED_STATES if accepted_on else ["applied", "retrofitting", "withdrawn"]
        for status in states:
            withdrawn = (
                {"withdrawn_on": dt.date(2024, 1, 5), "withdrawal_reason": "died"} if status == "withdrawn" else {}
            )
            beds.append(
                FamilyCareBedFactory(
                    recipient=RecipientFactory(area=area),
                    status=status,
                    applied_on=dt.date(2023, 6, 1),
                    accepted_on=accepted_on,
                    acceptance_provider=inspector if accepted_on else None,
                    **withdrawn,
                )
            )
    return beds


def counting_in_python(beds, as_of) -> set[int]:
    return {
        bed.id  # the bed's id, also on a history row (whose pk is its history_id)
        for bed in beds
        if bed_counts_toward_target(bed, cycle_start=bed.area.cycle_start, cycle_end=bed.area.cycle_end, as_of=as_of)
    }


@pytest.mark.parametrize("as_of", AS_OF)
def test_the_predicate_and_the_query_pick_the_same_beds(grid, as_of):
    in_sql = set(FamilyCareBed.objects.filter(beds_counting_toward_target_q(as_of)).values_list("id", flat=True))
    assert in_sql == counting_in_python(grid, as_of)


def test_the_predicate_and_the_query_agree_on_history_rows_as_exports_read_them(grid):
    rows = as_of_rows(FamilyCareBed, end_of_day(dt.date(2030, 1, 1)))
    for as_of in AS_OF:
        in_sql = set(rows.filter(beds_counting_toward_target_q(as_of)).values_list("id", flat=True))
        assert in_sql == counting_in_python(rows, as_of)


def test_the_grid_holds_beds_on_both_sides_of_the_rule(grid):
    # Guards the parity tests against agreeing on nothing.
    counting = counting_in_python(grid, None)
    assert 0 < len(counting) < len(grid)


def test_a_bed_accepted_in_the_cycle_and_withdrawn_later_counts():
    bed = {"accepted_on": dt.date(2023, 12, 1), "status": "withdrawn"}
    assert bed_counts_toward_target(bed, cycle_start=START, cycle_end=END, as_of=dt.date(2024, 3, 1))


@pytest.mark.parametrize(
    ("accepted_on", "as_of", "counts"),
    [
        (START, START, True),  # the first cycle day
        (END, END, True),  # the last cycle day
        (START - dt.timedelta(days=1), None, False),  # before the cycle
        (END + dt.timedelta(days=1), None, False),  # after the cycle
        (dt.date(2023, 12, 1), dt.date(2023, 11, 30), False),  # not accepted yet on the day
        (None, None, False),  # never accepted
    ],
)
def test_a_bed_counts_only_when_accepted_within_the_cycle_by_the_day(accepted_on, as_of, counts):
    bed = {"accepted_on": accepted_on}
    assert bed_counts_toward_target(bed, cycle_start=START, cycle_end=END, as_of=as_of) is counts


def test_a_bed_of_an_area_without_a_cycle_never_counts():
    assert not bed_counts_toward_target({"accepted_on": START}, cycle_start=None, cycle_end=None, as_of=None)
