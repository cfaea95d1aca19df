import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from eldercare.core.errors import DomainError
from eldercare.visits import services
from eldercare.visits.models import Visit
from tests.factories import CaregiverFactory, RecipientFactory, ServiceCategoryFactory, VisitFactory

TZ = timezone.get_default_timezone()


@pytest.fixture
def fields(db):
    recipient = RecipientFactory()
    return {
        "recipient": recipient,
        "provider": recipient.provider,
        "caregiver": CaregiverFactory(provider=recipient.provider),
        "category": ServiceCategoryFactory(),
        "started_at": dt.datetime(2023, 8, 1, 23, 30, tzinfo=TZ),
        "ended_at": dt.datetime(2023, 8, 2, 0, 30, tzinfo=TZ),
    }


def test_a_visit_takes_its_area_and_local_service_date(fields):
    visit = services.visit_create(**fields)
    assert visit.area == fields["recipient"].area
    assert visit.service_date == dt.date(2023, 8, 1)


def test_a_visit_ending_before_it_starts_is_refused_on_the_end_field(fields):
    fields["ended_at"] = fields["started_at"] - dt.timedelta(minutes=1)
    with pytest.raises(ValidationError) as caught:
        services.visit_create(**fields)
    assert "ended_at" in caught.value.message_dict
    assert not Visit.objects.exists()


def test_a_caregiver_of_another_provider_is_refused(fields):
    fields["caregiver"] = CaregiverFactory()
    with pytest.raises(ValidationError) as caught:
        services.visit_create(**fields)
    assert "caregiver" in caught.value.message_dict


def test_coordinates_out_of_range_are_refused_naming_the_field(fields):
    with pytest.raises(ValidationError) as caught:
        services.visit_create(**fields, checkin_latitude=95, checkin_longitude=116)
    assert "checkin_latitude" in caught.value.message_dict


def test_voiding_keeps_the_visit_and_records_why_in_its_history(fields, django_user_model):
    clerk = django_user_model.objects.create_user("clerk")
    visit = services.visit_create(**fields)
    services.visit_void(visit=visit, reason="重复录入", acting_user=clerk)
    visit.refresh_from_db()
    assert (visit.status, visit.void_reason, visit.voided_by) == ("voided", "重复录入", clerk)
    latest = visit.history.latest()
    assert (latest.history_change_reason, latest.history_user) == ("重复录入", clerk)


def test_voiding_needs_a_reason(fields):
    visit = services.visit_create(**fields)
    with pytest.raises(DomainError):
        services.visit_void(visit=visit, reason="  ")


def test_a_voided_visit_cannot_be_edited(fields):
    visit = services.visit_create(**fields)
    services.visit_void(visit=visit, reason="录入错误")
    with pytest.raises(DomainError):
        services.visit_update(visit=visit, note="改一下")


def test_a_visit_is_never_hard_deleted(db):
    visit = VisitFactory()
    with pytest.raises(DomainError):
        visit.delete()
    with pytest.raises(DomainError):
        Visit.objects.filter(pk=visit.pk).delete()
    assert Visit.objects.filter(pk=visit.pk).exists()
