import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from eldercare.recipients.models import Recipient
from eldercare.recipients.selectors import Purpose, assessment_on, eligibility_on
from tests.factories import AssessmentFactory, PilotAreaFactory, RecipientFactory, make_resident_id


@pytest.fixture
def recipient(db):
    person = RecipientFactory()
    AssessmentFactory(recipient=person, assessed_on=dt.date(2023, 6, 1), level="severe")
    return person


def test_a_severely_disabled_poor_older_person_is_eligible_for_visits(recipient):
    assert eligibility_on(recipient, dt.date(2023, 7, 1))


def test_nobody_is_eligible_before_their_first_assessment(recipient):
    result = eligibility_on(recipient, dt.date(2023, 5, 31))
    assert not result
    assert len(result.reasons) == 1


def test_a_new_assessment_replaces_the_old_one_from_its_date_on(recipient):
    AssessmentFactory(recipient=recipient, assessed_on=dt.date(2023, 10, 15), level="mild")
    assert eligibility_on(recipient, dt.date(2023, 10, 14))
    assert not eligibility_on(recipient, dt.date(2023, 10, 15))
    assert assessment_on(recipient, dt.date(2023, 10, 15)).level == "mild"


def test_a_reassessment_can_make_someone_eligible_again(recipient):
    AssessmentFactory(recipient=recipient, assessed_on=dt.date(2023, 9, 1), level="moderate")
    AssessmentFactory(recipient=recipient, assessed_on=dt.date(2023, 12, 1), level="complete")
    days = [dt.date(2023, 8, 31), dt.date(2023, 9, 1), dt.date(2023, 11, 30), dt.date(2023, 12, 1)]
    assert [bool(eligibility_on(recipient, day)) for day in days] == [True, False, False, True]


def test_partial_disability_qualifies_for_a_bed_but_not_for_visits(recipient):
    AssessmentFactory(recipient=recipient, assessed_on=dt.date(2023, 9, 1), level="mild")
    day = dt.date(2023, 9, 2)
    assert not eligibility_on(recipient, day, purpose=Purpose.HOME_VISIT)
    assert eligibility_on(recipient, day, purpose=Purpose.FAMILY_CARE_BED)


def test_a_batch_may_extend_visits_to_partial_disability(recipient):
    batch = recipient.area.batch
    batch.visits_include_partial_disability = True
    batch.save()
    AssessmentFactory(recipient=recipient, assessed_on=dt.date(2023, 9, 1), level="moderate")
    assert eligibility_on(recipient, dt.date(2023, 9, 2), purpose=Purpose.HOME_VISIT)


def test_an_intact_person_is_eligible_for_nothing(recipient):
    AssessmentFactory(recipient=recipient, assessed_on=dt.date(2023, 9, 1), level="intact")
    assert not eligibility_on(recipient, dt.date(2023, 9, 2), purpose=Purpose.FAMILY_CARE_BED)


def test_without_economic_difficulty_nobody_is_eligible(recipient):
    recipient.economic_category = "none"
    assert not eligibility_on(recipient, dt.date(2023, 7, 1))


def test_someone_turning_60_becomes_eligible_on_their_birthday(db):
    person = RecipientFactory(resident_id=make_resident_id(birth=dt.date(1963, 8, 20), sequence=11))
    AssessmentFactory(recipient=person, assessed_on=dt.date(2023, 6, 1))
    assert not eligibility_on(person, dt.date(2023, 8, 19))
    assert eligibility_on(person, dt.date(2023, 8, 20))


def test_registering_derives_birth_date_and_sex_from_the_id_number(db):
    person = Recipient(
        resident_id=make_resident_id(birth=dt.date(1944, 2, 29), sequence=8).lower(),
        name="王秀英",
        area=PilotAreaFactory(),
        economic_category="minimum_allowance",
        address="北京市昌平区",
    )
    person.full_clean()
    assert (person.birth_date, person.sex) == (dt.date(1944, 2, 29), "F")


def test_registering_someone_under_60_is_refused_on_the_id_field(db):
    person = Recipient(
        resident_id=make_resident_id(birth=dt.date(1990, 1, 1)),
        name="李明",
        area=PilotAreaFactory(),
        economic_category="minimum_allowance",
        address="北京市昌平区",
    )
    with pytest.raises(ValidationError) as caught:
        person.full_clean()
    assert "resident_id" in caught.value.message_dict


def test_a_mistyped_id_number_is_refused_on_the_id_field(db):
    person = Recipient(
        resident_id="11010519491231002Y",
        name="张三",
        area=PilotAreaFactory(),
        economic_category="minimum_allowance",
        address="x",
    )
    with pytest.raises(ValidationError) as caught:
        person.full_clean()
    assert "resident_id" in caught.value.message_dict
