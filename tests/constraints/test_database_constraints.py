"""Each invariant the database holds refuses a bad row even when Python validation is bypassed."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from eldercare.areas.models import Region
from eldercare.beds.models import FamilyCareBed
from eldercare.visits.models import Visit
from tests.factories import (
    AssessmentFactory,
    CaregiverFactory,
    DisbursementFactory,
    FamilyCareBedFactory,
    FundAllocationFactory,
    PilotAreaFactory,
    ProviderFactory,
    RecipientFactory,
    RetrofitItemFactory,
    VisitFactory,
)


def refused(make):
    with pytest.raises(IntegrityError), transaction.atomic():
        make()
    return True


def test_a_region_code_must_be_six_digits(db):
    assert refused(lambda: Region.objects.create(code="11011", name="错", level="province"))


def test_only_provinces_may_lack_a_parent(db):
    assert refused(lambda: Region.objects.create(code="110199", name="无上级区", level="county"))


def test_an_area_appears_once_per_batch(db):
    area = PilotAreaFactory()
    assert refused(lambda: PilotAreaFactory(batch=area.batch, region=area.region))


def test_a_cycle_must_end_after_it_starts(db):
    assert refused(lambda: PilotAreaFactory(cycle_start=dt.date(2023, 7, 1), cycle_end=dt.date(2023, 6, 30)))
    assert refused(lambda: PilotAreaFactory(cycle_start=dt.date(2023, 7, 1), cycle_end=None))


def test_satisfaction_target_is_a_percentage(db):
    assert refused(lambda: PilotAreaFactory(target_satisfaction=Decimal("101")))


def test_an_area_has_one_allocation_per_use_and_none_negative(db):
    allocation = FundAllocationFactory()
    assert refused(lambda: FundAllocationFactory(area=allocation.area, use=allocation.use))
    assert refused(lambda: FundAllocationFactory(use="home_visits", amount=Decimal("-1")))


def test_a_disbursement_is_positive_and_its_voucher_unique_in_the_area(db):
    paid = DisbursementFactory()
    assert refused(lambda: DisbursementFactory(area=paid.area, voucher_number=paid.voucher_number))
    assert refused(lambda: DisbursementFactory(amount=Decimal("0")))


def test_credit_codes_are_unique_and_from_the_alphabet(db):
    provider = ProviderFactory()
    assert refused(lambda: ProviderFactory(credit_code=provider.credit_code))
    assert refused(lambda: ProviderFactory(credit_code="91350100M0001O0Y43"))


def test_caregiver_numbers_are_unique_within_a_provider(db):
    caregiver = CaregiverFactory()
    assert refused(lambda: CaregiverFactory(provider=caregiver.provider, employee_number=caregiver.employee_number))


def test_resident_id_numbers_are_unique_and_well_formed(db):
    recipient = RecipientFactory()
    assert refused(lambda: RecipientFactory(resident_id=recipient.resident_id))
    assert refused(
        lambda: RecipientFactory(resident_id="11010519491231002Z", sex="F", birth_date=dt.date(1949, 12, 31))
    )


def test_home_coordinates_are_on_the_globe(db):
    assert refused(lambda: RecipientFactory(home_latitude=Decimal("91")))
    assert refused(lambda: RecipientFactory(home_longitude=Decimal("-181")))


def test_one_assessment_per_recipient_per_day(db):
    assessment = AssessmentFactory()
    assert refused(lambda: AssessmentFactory(recipient=assessment.recipient, assessed_on=assessment.assessed_on))


def test_a_recipient_has_at_most_one_active_bed(db):
    bed = FamilyCareBedFactory()
    assert refused(lambda: FamilyCareBedFactory(recipient=bed.recipient))


def test_a_withdrawn_bed_does_not_block_a_new_one(db):
    bed = FamilyCareBedFactory(status="withdrawn", withdrawn_on=dt.date(2023, 8, 1), withdrawal_reason="moved")
    FamilyCareBedFactory(recipient=bed.recipient)
    assert FamilyCareBed.objects.filter(recipient=bed.recipient).count() == 2


def test_an_accepted_bed_has_an_acceptance_date_and_organisation(db):
    assert refused(lambda: FamilyCareBedFactory(status="accepted"))


def test_a_withdrawn_bed_has_a_date_and_reason(db):
    assert refused(lambda: FamilyCareBedFactory(status="withdrawn", withdrawn_on=dt.date(2023, 8, 1)))


def test_acceptance_cannot_predate_the_application(db):
    provider = ProviderFactory()
    assert refused(
        lambda: FamilyCareBedFactory(
            status="accepted",
            acceptance_provider=provider,
            accepted_on=dt.date(2023, 7, 1),
            applied_on=dt.date(2023, 7, 2),
        )
    )


def test_retrofit_items_have_non_negative_cost_and_a_year_of_warranty(db):
    assert refused(lambda: RetrofitItemFactory(cost=Decimal("-5")))
    assert refused(lambda: RetrofitItemFactory(warranty_months=11))
    assert refused(lambda: RetrofitItemFactory(quantity=0))


def test_a_visit_ends_after_it_starts(db):
    assert refused(lambda: VisitFactory(ended_at=VisitFactory.build().started_at))


def test_a_visit_uuid_is_unique(db):
    visit = VisitFactory()
    assert refused(lambda: VisitFactory(client_uuid=visit.client_uuid))


def test_a_voided_visit_has_a_reason_and_a_time(db):
    assert refused(lambda: VisitFactory(status="voided"))
    assert refused(lambda: VisitFactory(void_reason="录入错误"))


def test_visit_coordinates_are_on_the_globe(db):
    assert refused(lambda: VisitFactory(checkin_latitude=Decimal("-90.5")))
    assert refused(lambda: VisitFactory(checkout_longitude=Decimal("180.5")))


def test_protected_foreign_keys_keep_evidence_from_being_deleted(db):
    from django.db.models import ProtectedError

    visit = VisitFactory()
    with pytest.raises(ProtectedError):
        visit.recipient.area.region.delete()
    with pytest.raises(ProtectedError):
        visit.caregiver.provider.delete()
    assert Visit.objects.filter(pk=visit.pk).exists()
