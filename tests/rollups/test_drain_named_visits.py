"""The drain re-verifies exactly the visits its queue rows name: the person's, from the row's first
day to its last (a bulk upload names one day), or from the first day on when no last day is given."""

import datetime as dt

import pytest

from eldercare.core.models import RecountRequest
from eldercare.rollups.queue import drain_recount_queue
from eldercare.visits.models import Visit

DAYS = [dt.date(2023, 8, 1), dt.date(2023, 8, 2), dt.date(2023, 8, 3)]


@pytest.fixture
def unverified(log_visits_on_days):
    """A visit on each of three days, drained, then marked unverified by hand (as a lost upload's would be)."""
    visits = log_visits_on_days(len(DAYS), first_day=DAYS[0])
    drain_recount_queue()
    assert all(Visit.objects.filter(pk__in=[v.pk for v in visits]).values_list("is_countable", flat=True))
    Visit.objects.filter(pk__in=[v.pk for v in visits]).update(is_countable=False)
    return visits


def countable_days(visits) -> list[dt.date]:
    rows = Visit.objects.filter(pk__in=[v.pk for v in visits], is_countable=True)
    return sorted(rows.values_list("service_date", flat=True))


@pytest.mark.django_db
def test_a_one_day_row_verifies_that_day_only(unverified, recipient):
    RecountRequest.objects.create(recipient_id=recipient.pk, verify_from=DAYS[1], verify_until=DAYS[1])

    report = drain_recount_queue()

    assert report.visits_verified == 1
    assert countable_days(unverified) == [DAYS[1]]


@pytest.mark.django_db
def test_an_open_ended_row_verifies_from_its_day_on(unverified, recipient):
    RecountRequest.objects.create(recipient_id=recipient.pk, verify_from=DAYS[1])

    report = drain_recount_queue()

    assert report.visits_verified == 2
    assert countable_days(unverified) == DAYS[1:]


@pytest.mark.django_db
def test_two_rows_of_one_person_verify_each_visit_once(unverified, recipient):
    RecountRequest.objects.create(recipient_id=recipient.pk, verify_from=DAYS[0], verify_until=DAYS[1])
    RecountRequest.objects.create(recipient_id=recipient.pk, verify_from=DAYS[1])
    RecountRequest.objects.create(recipient_id=recipient.pk)  # a recount only: verifies nothing

    report = drain_recount_queue()

    assert report.visits_verified == 3
    assert countable_days(unverified) == DAYS
    assert not RecountRequest.objects.exists()


@pytest.mark.django_db
def test_an_area_row_verifies_the_area_from_its_day(unverified, recipient):
    RecountRequest.objects.create(area_id=recipient.area_id, verify_from=DAYS[2])

    report = drain_recount_queue()

    assert report.visits_verified == 1
    assert countable_days(unverified) == [DAYS[2]]
