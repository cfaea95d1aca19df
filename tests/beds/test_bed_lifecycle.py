import datetime as dt
from decimal import Decimal

import pytest

from eldercare.beds import services
from eldercare.beds.models import BedStatus, FamilyCareBed
from eldercare.core.errors import DomainError
from tests.factories import AssessmentFactory, ProviderFactory, RecipientFactory, RetrofitItemFactory

D = dt.date


@pytest.fixture
def recipient(db):
    person = RecipientFactory()
    AssessmentFactory(recipient=person, assessed_on=D(2023, 6, 1), level="moderate")
    return person


@pytest.fixture
def provider(db):
    return ProviderFactory()


def accepted_bed(recipient, provider):
    bed = services.bed_apply(recipient=recipient, applied_on=D(2023, 7, 10))
    bed = services.bed_record_plan(bed=bed, design_provider=provider, plan_signed_on=D(2023, 7, 15))
    bed = services.bed_start_retrofit(bed=bed, retrofit_provider=provider, started_on=D(2023, 7, 20))
    RetrofitItemFactory(bed=bed, cost=Decimal("450"))
    bed = services.bed_finish_retrofit(bed=bed, finished_on=D(2023, 8, 1))
    return services.bed_accept(bed=bed, acceptance_provider=provider, accepted_on=D(2023, 8, 5))


def test_a_bed_goes_from_application_to_service(recipient, provider):
    bed = accepted_bed(recipient, provider)
    assert bed.status == BedStatus.ACCEPTED
    bed = services.bed_start_service(bed=bed, started_on=D(2023, 8, 6), platform_account="CP-0001")
    assert bed.status == BedStatus.IN_SERVICE
    assert [h.status for h in bed.history.order_by("history_date")] == [
        "applied",
        "assessed",
        "retrofitting",
        "awaiting_acceptance",
        "accepted",
        "in_service",
    ]


def test_a_bed_cannot_skip_acceptance(recipient, provider):
    bed = services.bed_apply(recipient=recipient, applied_on=D(2023, 7, 10))
    with pytest.raises(DomainError) as caught:
        services.bed_accept(bed=bed, acceptance_provider=provider, accepted_on=D(2023, 7, 11))
    assert caught.value.code == "illegal_transition"
    assert FamilyCareBed.objects.get(pk=bed.pk).status == BedStatus.APPLIED


def test_a_withdrawn_bed_cannot_come_back(recipient, provider):
    bed = services.bed_apply(recipient=recipient, applied_on=D(2023, 7, 10))
    bed = services.bed_withdraw(bed=bed, reason="declined", withdrawn_on=D(2023, 7, 12))
    with pytest.raises(DomainError):
        services.bed_record_plan(bed=bed, design_provider=provider, plan_signed_on=D(2023, 7, 15))


def test_a_failed_acceptance_sends_the_bed_back_to_retrofitting(recipient, provider):
    bed = services.bed_apply(recipient=recipient, applied_on=D(2023, 7, 10))
    bed = services.bed_record_plan(bed=bed, design_provider=provider, plan_signed_on=D(2023, 7, 15))
    bed = services.bed_start_retrofit(bed=bed, retrofit_provider=provider, started_on=D(2023, 7, 20))
    RetrofitItemFactory(bed=bed)
    bed = services.bed_finish_retrofit(bed=bed, finished_on=D(2023, 8, 1))
    bed = services.bed_reject_acceptance(bed=bed, reason="扶手安装不牢固")
    assert bed.status == BedStatus.RETROFITTING


def test_works_cannot_finish_without_any_installed_item(recipient, provider):
    bed = services.bed_apply(recipient=recipient, applied_on=D(2023, 7, 10))
    bed = services.bed_record_plan(bed=bed, design_provider=provider, plan_signed_on=D(2023, 7, 15))
    bed = services.bed_start_retrofit(bed=bed, retrofit_provider=provider, started_on=D(2023, 7, 20))
    with pytest.raises(DomainError) as caught:
        services.bed_finish_retrofit(bed=bed, finished_on=D(2023, 8, 1))
    assert caught.value.field == "items"


def test_a_step_dated_before_the_previous_one_is_refused(recipient, provider):
    bed = services.bed_apply(recipient=recipient, applied_on=D(2023, 7, 10))
    with pytest.raises(DomainError) as caught:
        services.bed_record_plan(bed=bed, design_provider=provider, plan_signed_on=D(2023, 7, 9))
    assert caught.value.field == "plan_signed_on"


def test_an_organisation_without_the_role_cannot_accept(recipient, provider):
    bed = accepted_bed(recipient, provider)
    services.bed_withdraw(bed=bed, reason="moved", withdrawn_on=D(2023, 9, 1))
    other = RecipientFactory()
    AssessmentFactory(recipient=other, level="severe")
    bed = services.bed_apply(recipient=other, applied_on=D(2023, 7, 10))
    not_an_inspector = ProviderFactory(does_acceptance=False)
    bed = services.bed_record_plan(bed=bed, design_provider=provider, plan_signed_on=D(2023, 7, 15))
    bed = services.bed_start_retrofit(bed=bed, retrofit_provider=provider, started_on=D(2023, 7, 20))
    RetrofitItemFactory(bed=bed)
    bed = services.bed_finish_retrofit(bed=bed, finished_on=D(2023, 8, 1))
    with pytest.raises(DomainError) as caught:
        services.bed_accept(bed=bed, acceptance_provider=not_an_inspector, accepted_on=D(2023, 8, 5))
    assert caught.value.field == "acceptance_provider"


def test_a_recipient_cannot_apply_twice_while_a_bed_is_active(recipient):
    services.bed_apply(recipient=recipient, applied_on=D(2023, 7, 10))
    with pytest.raises(DomainError) as caught:
        services.bed_apply(recipient=recipient, applied_on=D(2023, 7, 11))
    assert caught.value.field == "recipient"


def test_after_withdrawal_the_recipient_may_apply_again(recipient):
    bed = services.bed_apply(recipient=recipient, applied_on=D(2023, 7, 10))
    services.bed_withdraw(bed=bed, reason="declined", withdrawn_on=D(2023, 7, 12))
    assert services.bed_apply(recipient=recipient, applied_on=D(2023, 8, 1)).status == BedStatus.APPLIED


def test_an_intact_person_cannot_apply_for_a_bed(recipient):
    AssessmentFactory(recipient=recipient, assessed_on=D(2023, 7, 1), level="intact")
    with pytest.raises(DomainError):
        services.bed_apply(recipient=recipient, applied_on=D(2023, 7, 10))


def test_withdrawal_needs_a_known_reason_and_a_note_for_other(recipient):
    bed = services.bed_apply(recipient=recipient, applied_on=D(2023, 7, 10))
    with pytest.raises(DomainError):
        services.bed_withdraw(bed=bed, reason="bored", withdrawn_on=D(2023, 7, 12))
    with pytest.raises(DomainError) as caught:
        services.bed_withdraw(bed=bed, reason="other", withdrawn_on=D(2023, 7, 12))
    assert caught.value.field == "withdrawal_note"


def test_a_bed_is_never_deleted(recipient):
    bed = services.bed_apply(recipient=recipient, applied_on=D(2023, 7, 10))
    with pytest.raises(DomainError):
        bed.delete()
    with pytest.raises(DomainError):
        FamilyCareBed.objects.all().delete()
    assert FamilyCareBed.objects.filter(pk=bed.pk).exists()
