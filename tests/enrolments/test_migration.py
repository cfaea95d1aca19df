"""The migration that enrols every recipient in their current area changes no figure.

A world of visits is counted as it was before enrolments existed; the database is taken back to
before the enrolment migrations and forward again (the data migration enrols everyone), every visit
is verified again and every roll-up recounted: each RecipientProgress, AreaProgress and BatchProgress
row is the same, and so is every visit's countability and exceptions (none "not enrolled").
"""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from eldercare.recipients.models import Enrolment, Recipient
from eldercare.rollups.models import AreaProgress, BatchProgress, RecipientProgress
from eldercare.rollups.services import recompute_all
from eldercare.visits.models import ExceptionType, Visit, VisitException
from eldercare.visits.verification import verify_visits
from tests.conftest import at
from tests.factories import (
    AssessmentFactory,
    CaregiverFactory,
    CountyFactory,
    PilotAreaFactory,
    RecipientFactory,
    ServiceCategoryFactory,
)

BEFORE_ENROLMENTS = ("recipients", "0003_recipient_township")
TODAY = dt.date(2023, 12, 31)


def figures() -> dict:
    def rows(model, key):
        return {
            row[key]: row for row in model.objects.values() for _ in [row.pop("computed_at", None), row.pop("id", None)]
        }

    return {
        "exceptions": sorted(VisitException.objects.values_list("visit_id", "type", "status", "detail")),
        "countable": sorted(Visit.objects.values_list("pk", "is_countable")),
        "recipients": rows(RecipientProgress, "recipient_id"),
        "areas": rows(AreaProgress, "area_id"),
        "batches": rows(BatchProgress, "batch_id"),
    }


def build_world(time_machine):
    from eldercare.visits import services

    category = ServiceCategoryFactory()
    areas = [PilotAreaFactory(), PilotAreaFactory(region=CountyFactory(code="110105", name="朝阳区"))]
    # (area, visits on consecutive days from the cycle's start, minutes): one person reaches the
    # person-time, others are in progress, one has short visits, one visits outside the cycle.
    plans = [(areas[0], 31, 60), (areas[0], 12, 60), (areas[1], 5, 20), (areas[1], 3, 60), (areas[1], 0, 60)]
    for index, (area, count, minutes) in enumerate(plans):
        person = RecipientFactory(area=area)
        AssessmentFactory(recipient=person, assessed_on=dt.date(2023, 6, 1), level="severe")
        caregiver = CaregiverFactory(provider=person.provider)
        first = area.cycle_start - dt.timedelta(days=2) if index == 3 else area.cycle_start
        for offset in range(count):
            day = first + dt.timedelta(days=offset)
            time_machine.move_to(at(day, 20))
            services.visit_create(
                recipient=person,
                provider=person.provider,
                caregiver=caregiver,
                category=category,
                started_at=at(day),
                ended_at=at(day) + dt.timedelta(minutes=minutes),
                checkin_latitude=person.home_latitude,
                checkin_longitude=person.home_longitude,
            )
    time_machine.move_to(at(TODAY, 20))


def migrate_to(targets) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


@pytest.mark.django_db(transaction=True)
def test_every_roll_up_is_the_same_before_and_after_the_enrolment_migration(time_machine):
    build_world(time_machine)
    assert not Enrolment.objects.exists()  # counted as before enrolments: by the household area
    recompute_all(today=TODAY)
    before = figures()
    assert any(row["reached_on"] for row in before["recipients"].values())  # the world is not empty
    assert VisitException.objects.filter(type=ExceptionType.OUTSIDE_CYCLE).exists()

    try:
        migrate_to([BEFORE_ENROLMENTS])
        migrate_to(MigrationExecutor(connection).loader.graph.leaf_nodes())
    finally:
        migrate_to(MigrationExecutor(connection).loader.graph.leaf_nodes())

    enrolled = sorted(Enrolment.objects.values_list("recipient_id", "area_id"))
    assert enrolled == sorted(Recipient.objects.values_list("pk", "area_id"))
    verify_visits(list(Visit.objects.values_list("pk", flat=True)), now=at(TODAY, 20))
    recompute_all(today=TODAY)
    after = figures()
    assert after["exceptions"] == before["exceptions"]
    assert after == before
