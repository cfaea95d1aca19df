"""Every counting rule of DOMAIN.md on both sides of its threshold."""

import datetime as dt

from eldercare.recipients.services import assessment_record
from eldercare.visits.models import ExceptionType
from eldercare.visits.verification import count_decision
from tests.conftest import at, north_of

DAY = dt.date(2023, 8, 1)


def open_types(visit):
    return sorted(visit.exceptions.filter(status="open").values_list("type", flat=True))


def test_a_plain_one_hour_visit_counts(log_visit):
    visit = log_visit()
    assert count_decision(visit).counts
    assert open_types(visit) == []


def test_a_29_minute_visit_does_not_count(log_visit):
    visit = log_visit(minutes=29)
    decision = count_decision(visit)
    assert not decision.counts
    assert open_types(visit) == [ExceptionType.TOO_SHORT]


def test_a_30_minute_visit_counts(log_visit):
    assert count_decision(log_visit(minutes=30)).counts


def test_a_check_in_just_inside_500_metres_counts(log_visit, recipient):
    visit = log_visit(checkin_latitude=north_of(recipient.home_latitude, 499.9))
    assert count_decision(visit).counts


def test_a_check_in_501_metres_away_is_flagged(log_visit, recipient):
    visit = log_visit(checkin_latitude=north_of(recipient.home_latitude, 501))
    assert open_types(visit) == [ExceptionType.FAR_CHECKIN]
    assert not count_decision(visit).counts


def test_without_coordinates_the_distance_is_not_checked(log_visit):
    assert count_decision(log_visit(checkin_latitude=None, checkin_longitude=None)).counts


def test_only_the_first_visit_of_a_day_counts(log_visit, caregiver):
    first = log_visit(start=at(DAY, 8))
    second = log_visit(start=at(DAY, 14))
    assert count_decision(first).counts
    decision = count_decision(second)
    assert not decision.counts
    assert f"#{first.pk}" in decision.reasons[0]


def test_when_the_first_visit_of_a_day_is_voided_the_second_counts(log_visit):
    from eldercare.visits.services import visit_void

    first = log_visit(start=at(DAY, 8))
    second = log_visit(start=at(DAY, 14))
    visit_void(visit=first, reason="重复录入")
    assert count_decision(second).counts


def test_a_visit_one_second_before_the_cycle_does_not_count(log_visit):
    visit = log_visit(start=at(dt.date(2023, 6, 30), 23, 59, 59))
    assert ExceptionType.OUTSIDE_CYCLE in open_types(visit)
    assert not count_decision(visit).counts


def test_a_visit_starting_at_the_first_second_of_the_cycle_counts(log_visit, time_machine):
    time_machine.move_to(at(dt.date(2023, 7, 1), 10))
    assert count_decision(log_visit(start=at(dt.date(2023, 7, 1), 0, 0, 0))).counts


def test_a_visit_one_second_after_the_cycle_does_not_count(log_visit, time_machine):
    time_machine.move_to(at(dt.date(2024, 7, 1), 10))
    visit = log_visit(start=at(dt.date(2024, 7, 1), 0, 0, 0))
    assert ExceptionType.OUTSIDE_CYCLE in open_types(visit)


def test_a_visit_at_the_last_second_of_the_cycle_counts(log_visit, time_machine):
    time_machine.move_to(at(dt.date(2024, 7, 1), 10))
    assert count_decision(log_visit(start=at(dt.date(2024, 6, 30), 23, 59, 59), minutes=30)).counts


def test_a_new_assessment_mid_cycle_stops_later_visits_from_counting(log_visit, recipient):
    before = log_visit(start=at(dt.date(2023, 7, 27)))
    after = log_visit(start=at(dt.date(2023, 8, 1)))
    assessment_record(recipient=recipient, assessed_on=dt.date(2023, 7, 29), level="mild", assessor_name="评估员乙")
    assert count_decision(before).counts
    assert open_types(after) == [ExceptionType.NOT_ELIGIBLE]


def test_a_reassessment_that_restores_eligibility_clears_the_exception(log_visit, recipient):
    assessment_record(recipient=recipient, assessed_on=dt.date(2023, 7, 25), level="mild", assessor_name="评估员乙")
    visit = log_visit(start=at(dt.date(2023, 8, 1)))
    assert not count_decision(visit).counts
    assessment_record(recipient=recipient, assessed_on=dt.date(2023, 7, 30), level="severe", assessor_name="评估员丙")
    assert count_decision(visit).counts
    assert visit.exceptions.get().status == "cleared"


def test_a_visit_longer_than_8_hours_is_flagged(log_visit):
    assert open_types(log_visit(minutes=8 * 60 + 1)) == [ExceptionType.TOO_LONG]
    assert open_types(log_visit(start=at(dt.date(2023, 7, 31), 8), minutes=8 * 60)) == []


def test_a_visit_entered_more_than_7_days_late_is_flagged(log_visit):
    assert open_types(log_visit(start=at(dt.date(2023, 7, 25), 9))) == [ExceptionType.LATE_ENTRY]
    assert open_types(log_visit(start=at(dt.date(2023, 7, 26), 11))) == []


def test_a_visit_starting_in_the_future_is_flagged(log_visit):
    assert open_types(log_visit(start=at(dt.date(2023, 8, 3), 9))) == [ExceptionType.FUTURE_START]


def test_a_caregiver_in_two_overlapping_visits_flags_both(log_visit, recipient):
    from tests.factories import AssessmentFactory, RecipientFactory

    neighbour = RecipientFactory(area=recipient.area, provider=recipient.provider)
    AssessmentFactory(recipient=neighbour, level="complete")
    first = log_visit(start=at(DAY, 9))
    second = log_visit(start=at(DAY, 9, 30), recipient=neighbour)
    assert open_types(first) == [ExceptionType.CAREGIVER_OVERLAP]
    assert open_types(second) == [ExceptionType.CAREGIVER_OVERLAP]


def test_back_to_back_visits_do_not_overlap(log_visit, recipient):
    from tests.factories import AssessmentFactory, RecipientFactory

    neighbour = RecipientFactory(area=recipient.area, provider=recipient.provider)
    AssessmentFactory(recipient=neighbour, level="complete")
    first = log_visit(start=at(DAY, 9))
    second = log_visit(start=at(DAY, 10), recipient=neighbour)
    assert open_types(first) == open_types(second) == []


def test_moving_a_visit_away_clears_the_overlap_on_the_other_visit(log_visit, recipient):
    from eldercare.visits.services import visit_update
    from tests.factories import AssessmentFactory, RecipientFactory

    neighbour = RecipientFactory(area=recipient.area, provider=recipient.provider)
    AssessmentFactory(recipient=neighbour, level="complete")
    first = log_visit(start=at(DAY, 9))
    second = log_visit(start=at(DAY, 9, 30), recipient=neighbour)
    visit_update(visit=second, started_at=at(DAY, 13), ended_at=at(DAY, 14), reason="时间录错")
    assert open_types(first) == open_types(second) == []
