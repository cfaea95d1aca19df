import datetime as dt
import secrets

import pytest

from eldercare.areas.models import Batch
from eldercare.core.errors import DomainError
from eldercare.recipients.models import ConfirmationCard
from eldercare.visits import services
from eldercare.visits.models import (
    EXCEPTION_SEVERITY,
    ExceptionType,
    ReviewReasonCode,
    Visit,
    VisitConfirmation,
    VisitException,
)
from eldercare.visits.verification import count_decision
from eldercare.visits.verification.contract import reverify_visit_after_evidence
from tests.conftest import at, north_of
from tests.factories import AssessmentFactory, RecipientFactory

DAY = dt.date(2023, 8, 1)


@pytest.fixture
def accept_code(db):
    return ReviewReasonCode.objects.create(code="A01", label="电话回访核实", decision="accept")


@pytest.fixture
def void_code(db):
    return ReviewReasonCode.objects.create(code="V01", label="服务未实际提供", decision="void")


@pytest.fixture
def reviewer(django_user_model):
    return django_user_model.objects.create_user("reviewer")


@pytest.fixture
def flagged(log_visit, recipient, time_machine):
    """A visit raising exactly the exception of the given type."""

    def make(exception_type):
        if exception_type == ExceptionType.CAREGIVER_OVERLAP:
            neighbour = RecipientFactory(area=recipient.area, provider=recipient.provider)
            AssessmentFactory(recipient=neighbour, level="complete")
            log_visit(start=at(DAY, 9), recipient=neighbour)
            return log_visit(start=at(DAY, 9, 30))
        if exception_type == ExceptionType.NOT_ELIGIBLE:
            AssessmentFactory(recipient=recipient, assessed_on=dt.date(2023, 7, 30), level="intact")
        if exception_type == ExceptionType.MISSING_PHOTO:
            Batch.objects.filter(pk=recipient.area.batch_id).update(photos_required=True)
        if exception_type == ExceptionType.UNCONFIRMED:
            Batch.objects.filter(pk=recipient.area.batch_id).update(confirmation_required=True)
        if exception_type == ExceptionType.NOT_ENROLLED:
            # The person's only enrolment ended before the visit's day (recipients.enrolments).
            from eldercare.recipients.enrolments import enrolment_create, enrolment_end

            enrolment = enrolment_create(recipient=recipient, area=recipient.area, enrolled_on=dt.date(2023, 7, 1))
            enrolment_end(enrolment=enrolment, ended_on=dt.date(2023, 7, 1), reason="迁出")
        if exception_type == ExceptionType.DISPUTED:
            # The older person answers on the confirmation page that the visit did not take place.
            visit = log_visit()
            card = ConfirmationCard.objects.create(recipient=recipient, key=secrets.token_urlsafe(32))
            VisitConfirmation.objects.create(visit=visit, card=card, took_place=False)
            reverify_visit_after_evidence(visit)
            return visit
        overrides = {
            ExceptionType.TOO_SHORT: {"minutes": 20},
            ExceptionType.TOO_LONG: {"minutes": 9 * 60},
            ExceptionType.FAR_CHECKIN: {"checkin_latitude": north_of(recipient.home_latitude, 800)},
            # At the door, but the phone could only say "within 800 m" (the radius is 500 m).
            ExceptionType.IMPRECISE_CHECKIN: {"checkin_accuracy_m": 800},
            ExceptionType.LATE_ENTRY: {"start": at(dt.date(2023, 7, 20))},
            ExceptionType.OUTSIDE_CYCLE: {"start": at(dt.date(2023, 6, 29))},
            ExceptionType.FUTURE_START: {"start": at(dt.date(2023, 8, 5))},
        }.get(exception_type, {})
        if exception_type == ExceptionType.OUTSIDE_CYCLE:
            time_machine.move_to(at(dt.date(2023, 7, 2)))
        return log_visit(**overrides)

    return make


def the_exception(visit, exception_type):
    return VisitException.objects.get(visit=visit, type=exception_type)


@pytest.mark.parametrize("exception_type", ExceptionType.values)
def test_each_exception_is_raised_and_accepting_a_warning_lets_the_visit_count(
    exception_type, flagged, accept_code, reviewer
):
    visit = flagged(exception_type)
    exception = the_exception(visit, exception_type)
    assert exception.status == "open"
    assert not count_decision(visit).counts
    result = services.exceptions_resolve(
        exception_ids=[exception.pk], decision="accept", reason_code=accept_code, note="已回访", acting_user=reviewer
    )
    assert result.resolved == 1
    exception.refresh_from_db()
    if EXCEPTION_SEVERITY[exception_type] == "warning":
        assert exception.status == "accepted"
        assert count_decision(visit).counts
    else:
        # A blocking exception mirrors a rule no reviewer may waive: acknowledged, still not counted.
        assert exception.status == "acknowledged"
        assert not count_decision(visit).counts
    assert (exception.resolved_by, exception.reason_code) == (reviewer, accept_code)


@pytest.mark.parametrize("exception_type", ExceptionType.values)
def test_each_exception_can_be_resolved_by_voiding_the_visit(exception_type, flagged, void_code, reviewer):
    visit = flagged(exception_type)
    exception = the_exception(visit, exception_type)
    services.exceptions_resolve(
        exception_ids=[exception.pk], decision="void", reason_code=void_code, acting_user=reviewer
    )
    exception.refresh_from_db()
    visit.refresh_from_db()
    assert exception.status == "voided"
    assert (visit.status, visit.voided_by) == ("voided", reviewer)
    assert "服务未实际提供" in visit.void_reason
    assert not count_decision(visit).counts


def test_a_reason_code_for_the_other_decision_is_refused(flagged, void_code, reviewer):
    visit = flagged(ExceptionType.FAR_CHECKIN)
    with pytest.raises(DomainError) as caught:
        services.exceptions_resolve(
            exception_ids=[the_exception(visit, ExceptionType.FAR_CHECKIN).pk],
            decision="accept",
            reason_code=void_code,
            acting_user=reviewer,
        )
    assert caught.value.field == "reason_code"
    assert the_exception(visit, ExceptionType.FAR_CHECKIN).status == "open"


def test_resolving_twice_changes_nothing_the_second_time(flagged, accept_code, reviewer):
    visit = flagged(ExceptionType.FAR_CHECKIN)
    ids = [the_exception(visit, ExceptionType.FAR_CHECKIN).pk]
    services.exceptions_resolve(exception_ids=ids, decision="accept", reason_code=accept_code, acting_user=reviewer)
    again = services.exceptions_resolve(
        exception_ids=ids, decision="accept", reason_code=accept_code, acting_user=reviewer
    )
    assert again.resolved == 0 and len(again.refused) == 1


def test_editing_an_accepted_visit_sends_it_back_for_review(flagged, accept_code, reviewer):
    visit = flagged(ExceptionType.FAR_CHECKIN)
    exception = the_exception(visit, ExceptionType.FAR_CHECKIN)
    services.exceptions_resolve(
        exception_ids=[exception.pk], decision="accept", reason_code=accept_code, acting_user=reviewer
    )
    services.visit_update(visit=visit, note="补充说明", acting_user=reviewer, reason="补充")
    exception.refresh_from_db()
    assert exception.status == "open"
    assert not count_decision(visit).counts


def test_a_fee_confirmed_visit_is_locked_against_edits(log_visit, reviewer):
    visit = log_visit()
    assert services.visits_confirm_fees(visit_ids=[visit.pk], acting_user=reviewer) == 1
    assert services.visits_confirm_fees(visit_ids=[visit.pk], acting_user=reviewer) == 0
    with pytest.raises(DomainError) as caught:
        services.visit_update(visit=visit, note="改")
    assert caught.value.code == "visit_locked"


def test_a_visit_locks_95_days_after_it_happened(log_visit, time_machine):
    visit = log_visit()
    time_machine.move_to(at(DAY + dt.timedelta(days=94), 12))
    services.visit_update(visit=visit, note="仍可修改")
    time_machine.move_to(at(DAY + dt.timedelta(days=95), 12))
    with pytest.raises(DomainError):
        services.visit_update(visit=visit, note="已锁定")
    assert Visit.objects.get(pk=visit.pk).note == "仍可修改"


def test_a_locked_visit_can_still_be_voided_and_keeps_its_original_content(log_visit, reviewer):
    visit = log_visit(note="原始记录")
    services.visits_confirm_fees(visit_ids=[visit.pk], acting_user=reviewer)
    services.visit_void(visit=visit, reason="审计发现未提供服务", acting_user=reviewer)
    visit.refresh_from_db()
    assert (visit.status, visit.note) == ("voided", "原始记录")
    with pytest.raises(DomainError):
        visit.delete()


def test_the_history_records_who_voided_when_and_why(log_visit, reviewer):
    visit = log_visit()
    services.visit_void(visit=visit, reason="重复录入", acting_user=reviewer)
    entries = list(visit.history.order_by("history_date"))
    assert [entry.status for entry in entries] == ["completed", "voided"]
    assert (entries[-1].history_user, entries[-1].history_change_reason) == (reviewer, "重复录入")
    assert entries[-1].history_date is not None


def test_confirming_fees_writes_one_audit_event_per_visit(log_visit, reviewer):
    from eldercare.core.models import AuditEvent

    visits = [log_visit(start=at(DAY, 8)), log_visit(start=at(DAY - dt.timedelta(days=1), 8))]
    services.visits_confirm_fees(visit_ids=[visit.pk for visit in visits], acting_user=reviewer)
    events = AuditEvent.objects.filter(object_type="visits.visit", user=reviewer, action="change")
    assert sorted(int(event.object_id) for event in events) == sorted(visit.pk for visit in visits)
