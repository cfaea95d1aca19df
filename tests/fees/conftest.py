"""A small world for fee confirmation: one pilot area with two providers serving it, July 2023 visits
of each provider's older people (and one in August), a district official and each provider's staff."""

import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone

from eldercare.accounts.models import Role
from tests.factories import (
    CaregiverFactory,
    PilotAreaFactory,
    ProviderFactory,
    RecipientFactory,
    VisitFactory,
    make_user,
)


def visit_on(recipient, day: dt.date, hour: int = 9):
    started = dt.datetime.combine(day, dt.time(hour, 0), tzinfo=timezone.get_default_timezone())
    caregiver = CaregiverFactory(provider=recipient.provider)
    return VisitFactory(
        recipient=recipient, caregiver=caregiver, started_at=started, ended_at=started + dt.timedelta(hours=1)
    )


@dataclass
class FeeWorld:
    area: object
    provider: object
    other_provider: object
    recipients: list
    july: list
    august: object
    other_visit: object
    official: object
    staff: object
    other_staff: object


@pytest.fixture
def world(db):
    area = PilotAreaFactory()
    provider = ProviderFactory(name="康乐养老服务中心")
    other = ProviderFactory(name="安心护理站")
    for p in (provider, other):
        p.areas.add(area)
    recipients = [RecipientFactory(area=area, provider=provider, name=f"老人{i}") for i in range(2)]
    july = [
        visit_on(recipients[0], dt.date(2023, 7, 3)),
        visit_on(recipients[0], dt.date(2023, 7, 4)),
        visit_on(recipients[1], dt.date(2023, 7, 3)),
    ]
    august = visit_on(recipients[0], dt.date(2023, 8, 1))
    other_recipient = RecipientFactory(area=area, provider=other)
    other_visit = visit_on(other_recipient, dt.date(2023, 7, 5))
    return FeeWorld(
        area=area,
        provider=provider,
        other_provider=other,
        recipients=recipients,
        july=july,
        august=august,
        other_visit=other_visit,
        official=make_user("district", Role.DISTRICT_OFFICIAL, area=area),
        staff=make_user("staff-a", Role.PROVIDER_STAFF, provider=provider),
        other_staff=make_user("staff-b", Role.PROVIDER_STAFF, provider=other),
    )
