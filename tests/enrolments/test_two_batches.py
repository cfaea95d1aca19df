"""One person served in two batches: each visit filed in its enrolment's area, figures per batch.

DOMAIN.md, "Enrolment": the same older person (one record, one ID number) can be served in two
batches; a visit counts toward the enrolment whose cycle contains its day. Here the figures of each
batch are checked end to end: the visit's area, the person's progress row in each area, the areas'
and batches' totals, the independent recount, and the API.
"""

import datetime as dt

import pytest
from rest_framework.test import APIClient

from eldercare.core.models import AuditEvent
from eldercare.recipients.enrolments import enrolment_create, enrolment_end
from eldercare.rollups.models import AreaProgress, BatchProgress, RecipientProgress
from eldercare.rollups.queue import drain_recount_queue
from eldercare.rollups.verification import verify_all
from eldercare.visits.models import ExceptionType, VisitException
from tests.conftest import at
from tests.factories import BatchFactory, PilotAreaFactory, make_user

FIRST_CYCLE_DAYS = [dt.date(2023, 8, 1), dt.date(2023, 8, 2), dt.date(2023, 8, 3)]
SECOND_CYCLE_DAYS = [dt.date(2024, 8, 1), dt.date(2024, 8, 2)]


@pytest.fixture
def later(recipient):
    """The same district again in the 2024 batch, whose person-time is reached at 2 visits."""
    return PilotAreaFactory(
        batch=BatchFactory(year=2024, name="2024年批次", visits_per_person_time=2),
        region=recipient.area.region,
        funds_arrived_on=dt.date(2024, 7, 1),
        cycle_start=dt.date(2024, 7, 1),
        cycle_end=dt.date(2025, 6, 30),
    )


@pytest.fixture
def log_on_the_day(log_visit, time_machine):
    def log(day):
        time_machine.move_to(at(day, 20))
        return log_visit(start=at(day))

    return log


def rows_of(recipient):
    return {
        row.area_id: (row.counted_visits, row.reached_on)
        for row in RecipientProgress.objects.filter(recipient=recipient)
    }


def test_each_visit_is_filed_in_its_enrolments_area_and_counts_in_that_batch_only(recipient, later, log_on_the_day):
    enrolment_create(recipient=recipient, area=later)
    first = [log_on_the_day(day) for day in FIRST_CYCLE_DAYS]
    second = [log_on_the_day(day) for day in SECOND_CYCLE_DAYS]
    drain_recount_queue()

    assert {visit.area_id for visit in first} == {recipient.area_id}
    assert {visit.area_id for visit in second} == {later.pk}
    assert all(visit.is_countable for visit in first + second)
    assert rows_of(recipient) == {recipient.area_id: (3, None), later.pk: (2, SECOND_CYCLE_DAYS[1])}
    first_area, second_area = AreaProgress.objects.get(area=recipient.area), AreaProgress.objects.get(area=later)
    assert (first_area.recipients, first_area.counted_visits, first_area.person_times_reached) == (1, 3, 0)
    assert (second_area.recipients, second_area.counted_visits, second_area.person_times_reached) == (1, 2, 1)
    assert BatchProgress.objects.get(batch=later.batch).person_times_reached == 1
    assert BatchProgress.objects.get(batch=recipient.area.batch).person_times_reached == 0
    assert verify_all() == []


def test_enrolling_later_moves_a_visit_filed_before_into_the_new_batch(recipient, later, log_on_the_day):
    early_entry = log_on_the_day(SECOND_CYCLE_DAYS[0])  # in the 2024 cycle, before the person is enrolled there
    assert early_entry.area_id == recipient.area_id and not early_entry.is_countable

    enrolment_create(recipient=recipient, area=later)
    drain_recount_queue()

    early_entry.refresh_from_db()
    assert early_entry.area_id == later.pk and early_entry.is_countable
    assert early_entry.history.first().history_change_reason == "按当日所在批次的纳入地区归档"
    assert AuditEvent.objects.filter(object_type="visits.visit", object_id=str(early_entry.pk)).count() >= 2
    assert rows_of(recipient) == {recipient.area_id: (0, None), later.pk: (1, None)}
    assert verify_all() == []


def test_a_visit_after_the_later_enrolment_ended_stays_in_its_area_not_enrolled(recipient, later, log_on_the_day):
    enrolment = enrolment_create(recipient=recipient, area=later, enrolled_on=dt.date(2024, 7, 1))
    visits = [log_on_the_day(day) for day in SECOND_CYCLE_DAYS]
    enrolment_end(enrolment=enrolment, ended_on=SECOND_CYCLE_DAYS[0], reason="迁出本区")
    drain_recount_queue()

    kept, after_end = (visit.__class__.objects.get(pk=visit.pk) for visit in visits)
    assert (kept.area_id, kept.is_countable) == (later.pk, True)
    # Inside the 2024 cycle: its officials see it there, held back, rather than in the 2023 area.
    assert (after_end.area_id, after_end.is_countable) == (later.pk, False)
    assert VisitException.objects.filter(visit=after_end, type=ExceptionType.NOT_ENROLLED).exists()
    assert rows_of(recipient) == {recipient.area_id: (0, None), later.pk: (1, None)}
    assert verify_all() == []


def test_the_api_shows_the_latest_batch_and_every_batch(recipient, later, log_on_the_day):
    enrolment_create(recipient=recipient, area=later)
    for day in FIRST_CYCLE_DAYS + SECOND_CYCLE_DAYS:
        log_on_the_day(day)
    drain_recount_queue()
    client = APIClient()
    client.force_authenticate(make_user("admin-two-batches", is_superuser=True, is_staff=True))

    answer = client.get(f"/api/v1/recipients/{recipient.pk}/")

    assert answer.status_code == 200, answer.content
    assert (answer.data["progress"]["batch_year"], answer.data["progress"]["counted_visits"]) == (2024, 2)
    assert answer.data["progress"]["person_time_reached"] is True
    by_batch = [(row["batch_year"], row["counted_visits"]) for row in answer.data["progress_by_batch"]]
    assert by_batch == [(2023, 3), (2024, 2)]
    ordered = client.get("/api/v1/recipients/?ordering=-counted_visits")
    assert ordered.status_code == 200


def test_the_providers_home_lists_the_person_in_the_batch_running_today(recipient, later, log_on_the_day):
    from eldercare.accounts.models import Role
    from eldercare.providers.selectors import provider_home

    enrolment_create(recipient=recipient, area=later, enrolled_on=dt.date(2024, 7, 1))
    for day in FIRST_CYCLE_DAYS + SECOND_CYCLE_DAYS:
        log_on_the_day(day)
    drain_recount_queue()
    staff = make_user("staff-two-batches", Role.PROVIDER_STAFF, provider=recipient.provider)

    during_second = provider_home(staff, recipient.provider, today=dt.date(2024, 8, 3))
    during_first = provider_home(staff, recipient.provider, today=dt.date(2023, 8, 4))

    [row] = [row for row in during_second.rows if row.recipient == recipient]
    assert (row.area, row.counted, row.needed, row.reached) == (later, 2, 2, True)
    [row] = [row for row in during_first.rows if row.recipient == recipient]
    assert (row.area, row.counted, row.needed) == (recipient.area, 3, recipient.area.batch.visits_per_person_time)
