"""Small hand-computed worlds for the dashboards: roll-up rows written directly.

On 2023-12-30 an area whose cycle runs 2023-07-01 to 2024-06-30 (366 days) is exactly half-way:
183 of 366 days have elapsed, so the pace line expects 50% of each target.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from eldercare.accounts.models import Role
from eldercare.rollups.models import AreaDailySnapshot, AreaProgress, RecipientProgress
from tests import factories
from tests.factories import (
    BatchFactory,
    CountyFactory,
    FundAllocationFactory,
    PilotAreaFactory,
    ProviderFactory,
    ProvinceFactory,
    RecipientFactory,
)

HALF_WAY = dt.date(2023, 12, 30)


def figures(**values) -> dict:
    base = {
        "recipients": 0,
        "person_times_reached": 0,
        "target_person_times": 1000,
        "band_0": 0,
        "band_1_9": 0,
        "band_10_19": 0,
        "band_20_29": 0,
        "at_risk": 0,
        "counted_visits": 0,
        "beds_accepted": 0,
        "target_beds": 200,
        "rated_visits": 0,
        "satisfied_visits": 0,
        "funds_allocated": Decimal("1000000"),
        "funds_disbursed": Decimal("0"),
        "computed_at": timezone.now(),
    }
    base.update(values)
    return base


def make_area(region, **values):
    area = PilotAreaFactory(
        batch=BatchFactory(),
        region=region,
        cycle_start=dt.date(2023, 7, 1),
        cycle_end=dt.date(2024, 6, 30),
        target_person_times=1000,
        target_beds=200,
    )
    FundAllocationFactory(area=area, use="beds", amount=Decimal("600000"))
    FundAllocationFactory(area=area, use="home_visits", amount=Decimal("400000"))
    AreaProgress.objects.create(area=area, **figures(**values))
    return area


@pytest.fixture
def beijing(db):
    return ProvinceFactory(code="110000", name="北京市")


@pytest.fixture
def tianjin(db):
    return ProvinceFactory(code="120000", name="天津市")


@pytest.fixture
def ahead(beijing):
    """Ahead of pace: 60% of person-times and beds half-way through, 95% satisfied, half the funds paid."""
    return make_area(
        CountyFactory(parent=beijing, code="110114", name="昌平区"),
        recipients=1200,
        person_times_reached=600,
        band_0=100,
        band_1_9=200,
        band_10_19=150,
        band_20_29=150,
        at_risk=40,
        counted_visits=25000,
        beds_accepted=120,
        rated_visits=100,
        satisfied_visits=95,
        funds_disbursed=Decimal("500000"),
    )


@pytest.fixture
def behind(tianjin):
    """Behind pace: 29% of person-times (far behind), 40% of beds (behind), 87% satisfied, 30% of funds."""
    return make_area(
        CountyFactory(parent=tianjin, code="120101", name="和平区"),
        recipients=1000,
        person_times_reached=290,
        band_0=300,
        band_1_9=200,
        band_10_19=110,
        band_20_29=100,
        at_risk=200,
        counted_visits=12000,
        beds_accepted=80,
        rated_visits=100,
        satisfied_visits=87,
        funds_disbursed=Decimal("300000"),
    )


def snapshot(area, day, **values):
    return AreaDailySnapshot.objects.create(area=area, day=day, **figures(**values))


def at_risk_recipients(area, count, *, counted=5):
    provider = ProviderFactory()
    people = [RecipientFactory(area=area, provider=provider) for _ in range(count)]
    for person in people:
        RecipientProgress.objects.create(
            recipient=person, area=area, counted_visits=counted, at_risk=True, computed_at=timezone.now()
        )
    return people


@pytest.fixture
def make_user(db):
    """`make_user(role, **scope)`: tests.factories.make_user, the user named after the role unless named."""

    def make(role, *, username=None, **scope):
        scope = {name: value for name, value in scope.items() if value is not None}
        return factories.make_user(username or f"{role}-{User.objects.count()}", role, **scope)

    return make


@pytest.fixture
def national_official(make_user):
    return make_user(Role.NATIONAL_OFFICIAL)
