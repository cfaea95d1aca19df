import datetime as dt

from eldercare.visits.models import Visit
from eldercare.visits.verification import count_decision, verify_open_window
from tests.conftest import at
from tests.factories import AssessmentFactory, RecipientFactory, ServiceCategoryFactory


def test_the_periodic_recheck_flags_an_overlap_that_arrived_without_the_services(log_visit, recipient, caregiver):
    first = log_visit(start=at(dt.date(2023, 8, 1), 9))
    neighbour = RecipientFactory(area=recipient.area, provider=recipient.provider)
    AssessmentFactory(recipient=neighbour, level="complete")
    # A row written straight to the table (a migration, a bulk import) bypasses the save-time check.
    Visit.objects.create(
        recipient=neighbour,
        area=neighbour.area,
        provider=neighbour.provider,
        caregiver=caregiver,
        category=ServiceCategoryFactory(),
        started_at=at(dt.date(2023, 8, 1), 9, 30),
        ended_at=at(dt.date(2023, 8, 1), 10, 30),
        service_date=dt.date(2023, 8, 1),
        is_countable=True,
    )
    assert count_decision(first).counts
    touched = verify_open_window(today=dt.date(2023, 8, 2))
    assert {recipient.pk, neighbour.pk} <= touched
    assert not count_decision(first).counts
    assert first.exceptions.get().type == "caregiver_overlap"


def test_a_visit_dated_in_the_future_counts_once_its_day_has_come(log_visit, time_machine):
    visit = log_visit(start=at(dt.date(2023, 8, 3), 9))
    assert not count_decision(visit).counts
    time_machine.move_to(at(dt.date(2023, 8, 3), 12))
    verify_open_window()
    assert count_decision(visit).counts


def test_an_upload_whose_verification_was_never_queued_is_verified_by_the_periodic_recheck(recipient, caregiver):
    old_day = dt.date(2023, 7, 3)  # outside the recheck's window of recent days
    visit = Visit.objects.create(
        recipient=recipient,
        area=recipient.area,
        provider=recipient.provider,
        caregiver=caregiver,
        category=ServiceCategoryFactory(),
        started_at=at(old_day, 9),
        ended_at=at(old_day, 10),
        service_date=old_day,
    )
    Visit.objects.filter(pk=visit.pk).update(created_at=at(old_day, 20))
    assert not count_decision(visit).counts
    verify_open_window(today=dt.date(2023, 8, 2))
    assert count_decision(visit).counts
