"""A small world for the older person's confirmation: one person with a card and a week of visits.

王秀英 (ID number, phone, address and a guardian's phone on record) is served by provider P through
caregiver 欧阳娜娜; today is 2023-08-10, inside the area's cycle. Her visits: today, 3 and 6 days ago
(in the 7-day window), 7 days ago (just outside), and one voided 2 days ago. Another person of the
same area has a visit today. P's staff and another provider's staff each have a signed-in user.
"""

import datetime as dt
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client

from eldercare.accounts.models import Role, RoleAssignment
from eldercare.confirmations.services import card_issue
from eldercare.confirmations.tokens import card_token
from eldercare.visits import services
from tests.conftest import at
from tests.factories import (
    AssessmentFactory,
    CaregiverFactory,
    ProviderFactory,
    RecipientFactory,
    ServiceCategoryFactory,
    make_resident_id,
)

TODAY = dt.date(2023, 8, 10)
RESIDENT_ID = make_resident_id(birth=dt.date(1945, 3, 8), sequence=731)
PHONE = "13812345678"
GUARDIAN_PHONE = "13698765432"
ADDRESS = "北京市昌平区城北街道幸福里8号"
CAREGIVER_PHONE = "13900001111"


@pytest.fixture(autouse=True)
def afternoon(time_machine):
    time_machine.move_to(at(TODAY, 15), tick=False)


@pytest.fixture(autouse=True)
def fresh_rate_counts():
    """Rates are counted in the cache per address and per card id; ids repeat from test to test."""
    cache.clear()
    yield
    cache.clear()


def make_user(username: str, role: str | None = None, **scope) -> User:
    user = User.objects.create_user(username=username, password="x-very-long-password", is_staff=True)
    if role:
        RoleAssignment.objects.create(user=user, role=role, **scope)
    return user


@dataclass
class World:
    person: object
    other_person: object
    caregiver: object
    provider: object
    other_provider: object
    today: object
    three_days_ago: object
    six_days_ago: object
    seven_days_ago: object
    voided: object
    other_persons_visit: object
    card: object
    staff: object
    other_staff: object

    @property
    def token(self) -> str:
        return card_token(self.card)

    @property
    def url(self) -> str:
        return f"/confirm/{self.token}/"

    def client_for(self, user) -> Client:
        client = Client()
        client.force_login(user)
        return client


@pytest.fixture
def world(db) -> World:
    return build_world()


def build_world() -> World:
    """The world above; also built by the Chromium test of the page (tests/browser/test_confirmation.py)."""
    provider, other_provider = ProviderFactory(), ProviderFactory()
    person = RecipientFactory(
        name="王秀英",
        resident_id=RESIDENT_ID,
        phone=PHONE,
        guardian_name="李明",
        guardian_phone=GUARDIAN_PHONE,
        address=ADDRESS,
        provider=provider,
    )
    other_person = RecipientFactory(name="赵桂兰", area=person.area, provider=provider)
    for someone in (person, other_person):
        AssessmentFactory(recipient=someone, assessed_on=dt.date(2023, 6, 1), level="severe")
    caregiver = CaregiverFactory(provider=provider, name="欧阳娜娜", phone=CAREGIVER_PHONE)
    category = ServiceCategoryFactory()

    def log(recipient, days_ago: int, hour: int = 9):
        start = at(TODAY - dt.timedelta(days=days_ago), hour)
        return services.visit_create(
            recipient=recipient,
            provider=provider,
            caregiver=caregiver,
            category=category,
            started_at=start,
            ended_at=start + dt.timedelta(minutes=60),
            checkin_latitude=recipient.home_latitude,
            checkin_longitude=recipient.home_longitude,
            satisfaction="satisfied",
        )

    voided = log(person, 2)
    services.visit_void(visit=voided, reason="录入错误")
    staff = make_user("p-staff", Role.PROVIDER_STAFF, provider=provider)
    other_staff = make_user("q-staff", Role.PROVIDER_STAFF, provider=other_provider)
    return World(
        person=person,
        other_person=other_person,
        caregiver=caregiver,
        provider=provider,
        other_provider=other_provider,
        today=log(person, 0),
        three_days_ago=log(person, 3),
        six_days_ago=log(person, 6),
        seven_days_ago=log(person, 7),
        voided=voided,
        other_persons_visit=log(other_person, 0, hour=11),
        card=card_issue(recipient=person, acting_user=staff),
        staff=staff,
        other_staff=other_staff,
    )
