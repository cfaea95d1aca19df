"""Enrolment per batch: the approval enrols, the rule flags visits no enrolment covers, the writes re-verify."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from eldercare.core.errors import DomainError
from eldercare.core.models import AuditEvent, RecountRequest
from eldercare.recipients.enrolments import enrolment_area_on, enrolment_create, enrolment_end
from eldercare.recipients.models import Enrolment
from eldercare.visits.models import ExceptionStatus, ExceptionType, Severity, VisitException
from eldercare.visits.verification import verify_visits
from tests.applications.conftest import approved
from tests.conftest import at
from tests.factories import BatchFactory, PilotAreaFactory, RecipientFactory

SECOND_CYCLE = (dt.date(2024, 7, 1), dt.date(2025, 6, 30))


def second_batch_area(first_area):
    """The same district as a pilot area again, in the 2024 batch, with the next year as its cycle."""
    return PilotAreaFactory(
        batch=BatchFactory(year=2024, name="2024年批次"),
        region=first_area.region,
        funds_arrived_on=SECOND_CYCLE[0],
        cycle_start=SECOND_CYCLE[0],
        cycle_end=SECOND_CYCLE[1],
    )


@pytest.fixture
def log_on_the_day(log_visit, time_machine):
    """Log a visit the evening of its day, as a caregiver does (an entry weeks later is flagged late)."""

    def log(day, **overrides):
        time_machine.move_to(at(day, 20))
        return log_visit(start=at(day), **overrides)

    return log


def not_enrolled(visit):
    return VisitException.objects.filter(visit=visit, type=ExceptionType.NOT_ENROLLED).first()


def test_the_county_approval_enrols_the_person_in_the_applications_area(world):
    application = approved(world)
    enrolment = Enrolment.objects.get(recipient=world.person_a)
    assert (enrolment.area, enrolment.application) == (world.area, application)
    assert AuditEvent.objects.filter(object_type="recipients.enrolment", object_id=str(enrolment.pk)).exists()
    assert enrolment.created_by is not None and enrolment.created_by.username.endswith("district_official")


def test_an_approval_of_someone_enrolled_there_already_links_the_application_and_adds_nothing(world):
    earlier = enrolment_create(recipient=world.person_a, area=world.area, enrolled_on=dt.date(2023, 7, 1))
    application = approved(world)
    assert list(Enrolment.objects.filter(recipient=world.person_a)) == [earlier]
    earlier.refresh_from_db()
    assert earlier.application == application


def test_a_bed_approval_enrols_nobody(world):
    from eldercare.applications.models import ApplicationKind

    approved(world, kind=ApplicationKind.FAMILY_CARE_BED)
    assert not Enrolment.objects.exists()


def test_one_person_holds_enrolments_in_two_batches_and_the_first_is_made_explicit(recipient):
    later = second_batch_area(recipient.area)
    enrolment_create(recipient=recipient, area=later)
    assert sorted(Enrolment.objects.filter(recipient=recipient).values_list("area__batch__year", flat=True)) == [
        2023,
        2024,
    ]
    assert enrolment_area_on(recipient, dt.date(2023, 8, 1)) == recipient.area
    assert enrolment_area_on(recipient, dt.date(2024, 8, 1)) == later


def test_the_database_keeps_one_enrolment_a_person_and_area(recipient):
    enrolment_create(recipient=recipient, area=recipient.area)
    with pytest.raises(IntegrityError), transaction.atomic():
        Enrolment.objects.create(recipient=recipient, area=recipient.area, enrolled_on=dt.date(2023, 7, 1))


def test_the_database_refuses_an_end_without_a_reason_or_before_the_start(recipient):
    enrolment = enrolment_create(recipient=recipient, area=recipient.area, enrolled_on=dt.date(2023, 7, 1))
    for ended_on, reason in ((dt.date(2023, 9, 1), ""), (dt.date(2023, 6, 1), "迁出")):
        with pytest.raises(IntegrityError), transaction.atomic():
            Enrolment.objects.filter(pk=enrolment.pk).update(ended_on=ended_on, end_reason=reason)


def test_enrolling_in_an_area_whose_cycle_overlaps_another_enrolment_is_refused(recipient):
    overlapping = PilotAreaFactory(
        batch=BatchFactory(year=2024), cycle_start=dt.date(2024, 1, 1), cycle_end=dt.date(2024, 12, 31)
    )
    with pytest.raises(DomainError) as refused:
        enrolment_create(recipient=recipient, area=overlapping)
    assert refused.value.code == "enrolment_cycles_overlap"


def test_enrolling_in_an_area_without_a_cycle_is_refused(recipient):
    no_cycle = PilotAreaFactory(batch=BatchFactory(year=2024), cycle_start=None, cycle_end=None, funds_arrived_on=None)
    with pytest.raises(DomainError) as refused:
        enrolment_create(recipient=recipient, area=no_cycle)
    assert refused.value.code == "area_without_cycle"


def test_a_visit_after_the_enrolment_ended_is_not_enrolled_blocking_and_does_not_count(recipient, log_on_the_day):
    before_end = log_on_the_day(dt.date(2023, 8, 1))
    after_end = log_on_the_day(dt.date(2023, 9, 1))
    assert after_end.is_countable and not_enrolled(after_end) is None
    enrolment = enrolment_create(recipient=recipient, area=recipient.area, enrolled_on=dt.date(2023, 7, 1))
    RecountRequest.objects.all().delete()

    enrolment_end(enrolment=enrolment, ended_on=dt.date(2023, 8, 15), reason="迁出本区")

    before_end.refresh_from_db()
    after_end.refresh_from_db()
    assert before_end.is_countable and not_enrolled(before_end) is None
    flagged = not_enrolled(after_end)
    assert (flagged.severity, flagged.status) == (Severity.BLOCKING, ExceptionStatus.OPEN)
    assert not after_end.is_countable
    assert RecountRequest.objects.filter(recipient_id=recipient.pk).exists()
    assert AuditEvent.objects.filter(
        object_type="recipients.enrolment", action=AuditEvent.Action.CHANGE, reason="迁出本区"
    ).exists()


def test_a_visit_no_enrolment_covers_is_flagged_and_enrolling_clears_it(recipient, log_on_the_day):
    # Enrolled in the 2024 batch only (the 2023 enrolment ended before the visit): the visit of
    # 2023-08-01 lies in no enrolment's cycle.
    household = enrolment_create(recipient=recipient, area=recipient.area, enrolled_on=dt.date(2023, 7, 1))
    enrolment_end(enrolment=household, ended_on=dt.date(2023, 7, 1), reason="迁出")
    visit = log_on_the_day(dt.date(2023, 8, 1))
    assert not_enrolled(visit) is not None and not visit.is_countable
    assert str(recipient.area) in not_enrolled(visit).detail

    Enrolment.objects.filter(pk=household.pk).update(ended_on=None, end_reason="")
    enrolment_create(recipient=recipient, area=second_batch_area(recipient.area))  # any enrolment write re-checks
    visit.refresh_from_db()
    assert not_enrolled(visit).status == ExceptionStatus.CLEARED
    assert visit.is_countable


def test_verification_loads_enrolments_once_for_many_recipients(django_assert_max_num_queries, log_visit):
    from tests.factories import CaregiverFactory

    def visits_of(count):
        made = []
        for _ in range(count):
            person = RecipientFactory()
            enrolment_create(recipient=person, area=person.area, enrolled_on=dt.date(2023, 7, 1))
            made.append(
                log_visit(
                    recipient=person,
                    provider=person.provider,
                    caregiver=CaregiverFactory(provider=person.provider),
                    start=at(dt.date(2023, 8, 1)),  # one day: the overlap search is one query a day
                )
            )
        return [visit.pk for visit in made]

    few, many = visits_of(2), visits_of(12)
    with django_assert_max_num_queries(100) as counted:
        verify_visits(few)
    queries_for_few = len(counted.captured_queries)
    with django_assert_max_num_queries(queries_for_few):
        verify_visits(many)
