"""`verify_visits` stores what the rules find, set-based: reviewers' decisions, reopening, voiding,
history rows and the filing of exceptions behave as they did visit by visit."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.translation import gettext as _

from eldercare.areas.models import Batch
from eldercare.visits import services
from eldercare.visits.models import ExceptionStatus, ExceptionType, ReviewReasonCode, Visit, VisitException
from eldercare.visits.verification import count_decision, verify_all_visits, verify_visits
from eldercare.visits.verification.details import length_detail, overlap_detail
from tests.conftest import at, north_of
from tests.factories import CaregiverFactory, ProviderFactory
from tests.rules.test_verification_parity import NOW, generate

DAY = dt.date(2023, 8, 1)


@pytest.fixture
def accept_code(db):
    return ReviewReasonCode.objects.create(code="A01", label="电话回访核实", decision="accept")


@pytest.fixture
def reviewer(django_user_model):
    return django_user_model.objects.create_user("reviewer")


def state():
    exceptions = VisitException.objects.order_by("visit_id", "type")
    return (
        list(exceptions.values_list("visit_id", "type", "status", "detail", "area_id", "provider_id", "updated_at")),
        dict(Visit.objects.values_list("pk", "is_countable")),
    )


@pytest.mark.django_db
def test_verifying_the_whole_table_by_range_stores_what_verifying_the_visits_by_id_stores():
    ids = generate(7)

    verify_all_visits(now=NOW, round_size=25)  # many rounds: partners often lie in another one
    by_range = state()
    verify_visits(ids, now=NOW)

    assert state() == by_range  # nothing to change, not even a detail or a time stamp
    assert len({kind for _visit, kind, *_rest in by_range[0]}) >= 9


def test_an_accepted_warning_stands_when_the_visit_is_checked_again(log_visit, recipient, accept_code, reviewer):
    visit = log_visit(checkin_latitude=north_of(recipient.home_latitude, 800))
    exception = VisitException.objects.get(visit=visit)
    services.exceptions_resolve(
        exception_ids=[exception.pk], decision="accept", reason_code=accept_code, acting_user=reviewer
    )

    verify_visits([visit.pk])

    exception.refresh_from_db()
    assert exception.status == ExceptionStatus.ACCEPTED
    assert count_decision(visit).counts


def test_an_edit_reopens_an_accepted_warning_with_its_new_detail_and_a_history_row(
    log_visit, recipient, accept_code, reviewer
):
    visit = log_visit(checkin_latitude=north_of(recipient.home_latitude, 800))
    exception = VisitException.objects.get(visit=visit)
    services.exceptions_resolve(
        exception_ids=[exception.pk], decision="accept", reason_code=accept_code, acting_user=reviewer
    )

    services.visit_update(
        visit=visit, checkin_latitude=north_of(recipient.home_latitude, 900), acting_user=reviewer, reason="更正"
    )

    exception.refresh_from_db()
    assert (exception.status, exception.reason_code, exception.resolved_at, exception.resolved_by) == (
        ExceptionStatus.OPEN,
        None,
        None,
        None,
    )
    assert "900" in exception.detail and "800" not in exception.detail
    latest = exception.history.latest()
    assert (latest.status, latest.history_change_reason) == (ExceptionStatus.OPEN, str(_("Re-checked after a change")))


def test_a_finding_that_goes_away_is_cleared_and_comes_back_open(log_visit, recipient, reviewer):
    visit = log_visit(minutes=20)
    services.visit_update(visit=visit, ended_at=visit.started_at + dt.timedelta(minutes=40), acting_user=reviewer)
    exception = VisitException.objects.get(visit=visit, type=ExceptionType.TOO_SHORT)
    assert exception.status == ExceptionStatus.CLEARED
    assert count_decision(visit).counts

    Visit.objects.filter(pk=visit.pk).update(ended_at=visit.started_at + dt.timedelta(minutes=25))
    verify_visits([visit.pk])

    exception.refresh_from_db()
    assert (exception.status, exception.detail) == (ExceptionStatus.OPEN, length_detail(25))
    assert not count_decision(visit).counts


def test_voiding_a_visit_voids_its_open_exceptions_with_a_time(log_visit, reviewer):
    visit = log_visit(minutes=20)

    services.visit_void(visit=visit, reason="重复录入", acting_user=reviewer)

    exception = VisitException.objects.get(visit=visit)
    assert exception.status == ExceptionStatus.VOIDED and exception.resolved_at is not None
    assert not Visit.objects.get(pk=visit.pk).is_countable


def test_a_visit_moved_to_another_provider_takes_its_exceptions_along(log_visit, recipient):
    visit = log_visit(minutes=20)
    other = ProviderFactory()
    Visit.objects.filter(pk=visit.pk).update(provider=other, caregiver=CaregiverFactory(provider=other))

    verify_visits([visit.pk])

    assert VisitException.objects.get(visit=visit).provider_id == other.pk


def test_a_new_visit_flags_the_older_one_it_overlaps_outside_the_checked_set(log_visit, recipient):
    first = log_visit(start=at(DAY, 9))
    Visit.objects.filter(pk=first.pk).update(is_countable=True)
    second = services.visit_create(
        recipient=recipient,
        provider=recipient.provider,
        caregiver=first.caregiver,
        category=first.category,
        started_at=at(DAY, 9, 30),
        ended_at=at(DAY, 10, 30),
    )

    touched = verify_visits([second.pk])

    assert touched == {recipient.pk}
    overlaps = VisitException.objects.filter(type=ExceptionType.CAREGIVER_OVERLAP)
    assert set(overlaps.values_list("visit_id", "detail", "status")) == {
        (first.pk, overlap_detail([second.pk]), ExceptionStatus.OPEN),
        (second.pk, overlap_detail([first.pk]), ExceptionStatus.OPEN),
    }
    assert not Visit.objects.get(pk=first.pk).is_countable


def test_checking_ten_times_more_visits_costs_no_more_queries(log_visit, recipient):
    Batch.objects.filter(pk=recipient.area.batch_id).update(photos_required=True, confirmation_required=True)
    few = [log_visit(start=at(DAY + dt.timedelta(days=day), 8)).pk for day in range(2)]
    many = [log_visit(start=at(DAY + dt.timedelta(days=day), 8)).pk for day in range(2, 22)]
    counts = []
    for ids in (few, many):
        with CaptureQueriesContext(connection) as queries:
            verify_visits(ids)
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
