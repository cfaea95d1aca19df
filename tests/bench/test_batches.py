"""A world of several yearly batches (`--batches N`): earlier batches' areas with their cycles in earlier years."""

import datetime as dt

import pytest
from django.db import connection
from django.db.models import Count, F, Q

from bench.batches import ensure_batches, years_back
from bench.generate import WorldSize, check_world, generate_world
from bench.measure.recompute import BY_PERSON_FLOOR, fair_floor
from bench.verification import establish_verification
from eldercare.areas.models import Batch, FundAllocation, PilotArea
from eldercare.recipients.models import Enrolment, Recipient
from eldercare.rollups.services import recompute_all
from eldercare.rollups.verification import verify_all
from eldercare.visits.models import Visit

TINY_THREE_YEARS = WorldSize.at(0.0015, batches=3)  # 330 recipients, 110 a batch


def quiet(*_args):
    pass


@pytest.mark.django_db
def test_earlier_batches_repeat_the_latest_areas_a_year_apart_each(reference_data):
    batches = ensure_batches(3)

    assert [batch.year for batch in batches] == [2021, 2022, 2023]
    latest = {area.region_id: area for area in PilotArea.objects.filter(batch=batches[-1])}
    for back, batch in ((2, batches[0]), (1, batches[1])):
        assert batch.visits_per_person_time == batches[-1].visits_per_person_time
        areas = PilotArea.objects.filter(batch=batch)
        assert areas.count() == len(latest) == 50
        for area in areas:
            assert area.cycle_start == years_back(latest[area.region_id].cycle_start, back)
            # One county's cycles follow each other without overlapping.
            assert area.cycle_end < latest[area.region_id].cycle_start
        assert FundAllocation.objects.filter(area__batch=batch).count() == 100


@pytest.mark.django_db
def test_asking_for_the_batches_again_adds_nothing(reference_data):
    ensure_batches(3)
    ensure_batches(3)

    assert Batch.objects.count() == 3
    assert PilotArea.objects.count() == 150


@pytest.mark.django_db
def test_more_batches_than_the_programme_had_are_refused(reference_data):
    with pytest.raises(ValueError, match="1 to 3"):
        ensure_batches(4)


def test_a_leap_day_moved_back_a_year_is_the_last_of_february():
    assert years_back(dt.date(2024, 2, 29), 1) == dt.date(2023, 2, 28)


@pytest.mark.django_db
def test_a_world_of_three_batches_keeps_every_visit_in_the_cycle_of_an_area_its_person_is_served_in(reference_data):
    established = []
    report = generate_world(
        TINY_THREE_YEARS,
        seed=5,
        log=quiet,
        before_indexes=lambda: established.append(establish_verification(log=quiet)),
    )

    assert report.batches == [2021, 2022, 2023]
    # People carried on from a batch take the place of new ones: every batch serves its share.
    carried = Enrolment.objects.count() - Enrolment.objects.values("recipient").distinct().count()
    assert carried > 0
    assert Recipient.objects.count() == 330 - carried
    # Some people of an earlier batch are served again by the next batch's area of their county:
    # enrolled in both, living (household area) in the later one, with visits filed in each.
    twice = Enrolment.objects.values("recipient").annotate(n=Count("pk")).filter(n__gte=2)
    assert twice.exists()
    person = Recipient.objects.get(pk=twice[0]["recipient"])
    served = list(
        Enrolment.objects.filter(recipient=person).order_by("area__cycle_start").values_list("area", flat=True)
    )
    assert person.area_id == served[-1]
    assert set(Visit.objects.filter(recipient=person).values_list("area", flat=True)) <= set(served)
    for year in report.batches:
        assert Visit.objects.filter(area__batch__year=year).count() > 500
    world = check_world()
    world.pop("visits")
    assert world == dict.fromkeys(world, 0)
    before_or_after = Q(service_date__lt=F("area__cycle_start")) | Q(service_date__gt=F("area__cycle_end"))
    outside = Visit.objects.filter(before_or_after)
    assert not outside.exists()
    # The two days the measurements fill are free in the latest cycles.
    assert not Visit.objects.filter(service_date__in=[report.bench_day, report.nightly_day]).exists()
    recompute_all()
    assert verify_all() == []
    if connection.vendor == "postgresql":  # the floors are PostgreSQL SQL (arrays)
        # People filed in several areas take the by-person floor's second grouping, as the recount's.
        assert fair_floor(statement=BY_PERSON_FLOOR) == fair_floor()
