"""A small two-area world for the API: provider P serves area A, provider Q serves area B.

Each role gets a user: P's staff, a district official of A, a national official and a national
auditor. Every test runs on 2023-08-02, inside the areas' cycle, so visits are neither late nor locked.
"""

import datetime as dt
from dataclasses import dataclass

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from eldercare.accounts.models import Role
from eldercare.accounts.tokens import token_issue
from eldercare.visits import services
from eldercare.visits.models import ReviewReasonCode
from tests.conftest import at
from tests.factories import (
    AssessmentFactory,
    CaregiverFactory,
    PilotAreaFactory,
    ProviderFactory,
    RecipientFactory,
    ServiceCategoryFactory,
    ServiceItemFactory,
    make_user,
)

NOW = at(dt.date(2023, 8, 2), 10)


@pytest.fixture(autouse=True)
def during_the_cycle(time_machine):
    time_machine.move_to(NOW)


@pytest.fixture(autouse=True)
def fresh_throttles():
    """Request rates are counted in the cache per user id; ids repeat from test to test, counts must not."""
    cache.clear()
    yield
    cache.clear()


@dataclass
class World:
    area_a: object
    area_b: object
    provider_p: object
    provider_q: object
    recipient_a: object
    recipient_b: object
    caregiver_p: object
    caregiver_q: object
    category: object
    item: object
    visit_a: object
    visit_b: object


def log(recipient, caregiver, category, day=dt.date(2023, 8, 1), hour=9, **overrides):
    start = at(day, hour)
    return services.visit_create(
        recipient=recipient,
        provider=caregiver.provider,
        caregiver=caregiver,
        category=category,
        started_at=start,
        ended_at=start + dt.timedelta(hours=1),
        checkin_latitude=recipient.home_latitude,
        checkin_longitude=recipient.home_longitude,
        **overrides,
    )


@pytest.fixture
def world(db):
    area_a, area_b = PilotAreaFactory(), PilotAreaFactory()
    provider_p, provider_q = ProviderFactory(), ProviderFactory()
    provider_p.areas.add(area_a)
    provider_q.areas.add(area_b)
    recipient_a = RecipientFactory(area=area_a, provider=provider_p)
    recipient_b = RecipientFactory(area=area_b, provider=provider_q)
    for person in (recipient_a, recipient_b):
        AssessmentFactory(recipient=person, assessed_on=dt.date(2023, 6, 1), level="severe")
    caregiver_p = CaregiverFactory(provider=provider_p)
    caregiver_q = CaregiverFactory(provider=provider_q)
    category = ServiceCategoryFactory()
    item = ServiceItemFactory(category=category)
    ReviewReasonCode.objects.get_or_create(code="A01", defaults={"label": "电话回访核实", "decision": "accept"})
    ReviewReasonCode.objects.get_or_create(code="V01", defaults={"label": "服务未实际提供", "decision": "void"})
    return World(
        area_a=area_a,
        area_b=area_b,
        provider_p=provider_p,
        provider_q=provider_q,
        recipient_a=recipient_a,
        recipient_b=recipient_b,
        caregiver_p=caregiver_p,
        caregiver_q=caregiver_q,
        category=category,
        item=item,
        visit_a=log(recipient_a, caregiver_p, category),
        visit_b=log(recipient_b, caregiver_q, category),
    )


@pytest.fixture
def provider_user(world):
    return make_user("p-staff", Role.PROVIDER_STAFF, provider=world.provider_p)


@pytest.fixture
def district_official(world):
    return make_user("a-official", Role.DISTRICT_OFFICIAL, area=world.area_a)


@pytest.fixture
def national_official(world):
    return make_user("n-official", Role.NATIONAL_OFFICIAL)


@pytest.fixture
def auditor(world):
    return make_user("auditor", Role.AUDITOR)


def client_for(user) -> APIClient:
    """An app's client: it authenticates with its token, as phones and integrations do."""
    client = APIClient()
    if not hasattr(user, "_api_token"):  # one token a user a test, as an app keeps its token
        user._api_token = token_issue(user=user)[1]
    client.credentials(HTTP_AUTHORIZATION=f"Token {user._api_token}")
    return client


@pytest.fixture
def as_provider(provider_user):
    return client_for(provider_user)


@pytest.fixture
def as_district(district_official):
    return client_for(district_official)


@pytest.fixture
def as_national(national_official):
    return client_for(national_official)


@pytest.fixture
def as_auditor(auditor):
    return client_for(auditor)
