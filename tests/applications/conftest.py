"""A small world for the workflow: one county (110114) with two townships, its pilot area, a provider
serving it with two caregivers, an eligible older person in each township, and a user for each role
that takes part (street officials of both townships, the district official, the provider's staff, an
auditor, a caregiver)."""

import datetime as dt
from dataclasses import dataclass

import factory
import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from eldercare.accounts.models import Role
from eldercare.accounts.services import role_grant
from eldercare.applications import services
from eldercare.applications.models import ApplicationKind
from eldercare.areas.models import Township
from tests.factories import (
    AssessmentFactory,
    CaregiverFactory,
    CountyFactory,
    PilotAreaFactory,
    ProviderFactory,
    ProvinceFactory,
    RecipientFactory,
    make_resident_id,
)

PASSWORD = "a-long-and-unusual-password-42"
REVIEW = {"reviewer_name": "王审核", "reviewer_title": "街道民政科科长", "opinion": "符合条件"}


class TownshipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Township
        django_get_or_create = ("code",)

    region = factory.SubFactory(CountyFactory)
    code = factory.Sequence(lambda n: f"{110101 + n}001")
    name = factory.Sequence(lambda n: f"测试街道{n}")


@dataclass
class World:
    area: object
    township_a: object
    township_b: object
    provider: object
    other_provider: object
    caregivers: list
    person_a: object
    person_b: object
    users: dict

    def client(self, role) -> APIClient:
        client = APIClient()
        client.force_authenticate(self.users[role])
        return client


@pytest.fixture(autouse=True)
def fresh_throttles():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world(db):
    county = CountyFactory(
        parent=ProvinceFactory(code="110000"), code="110114", name="昌平区", full_name="北京市昌平区"
    )
    area = PilotAreaFactory(region=county)
    township_a = TownshipFactory(region=county, code="110114001", name="城北街道")
    township_b = TownshipFactory(region=county, code="110114104", name="阳坊镇")
    provider = ProviderFactory(name="昌平居家服务中心")
    provider.areas.add(area)
    other_provider = ProviderFactory(name="别处服务中心")
    caregivers = [CaregiverFactory(provider=provider, name=name) for name in ("张护理", "李护理")]
    people = []
    for index, township in enumerate((township_a, township_b)):
        person = RecipientFactory(
            area=area,
            township=township,
            provider=None,
            name=f"老人{township.name}",
            resident_id=make_resident_id(division="110114", sequence=301 + index),
        )
        AssessmentFactory(recipient=person, assessed_on=dt.date(2023, 6, 1), level="severe")
        people.append(person)
    grants = {
        "street_a": (Role.STREET_OFFICIAL, {"township_code": "110114001"}),
        "street_b": (Role.STREET_OFFICIAL, {"township_code": "110114104"}),
        Role.DISTRICT_OFFICIAL: (Role.DISTRICT_OFFICIAL, {"area_code": "110114"}),
        Role.PROVIDER_STAFF: (Role.PROVIDER_STAFF, {"provider_credit_code": provider.credit_code}),
        Role.CAREGIVER: (Role.CAREGIVER, {"provider_credit_code": provider.credit_code}),
        Role.AUDITOR: (Role.AUDITOR, {"area_code": "110114"}),
        Role.NATIONAL_OFFICIAL: (Role.NATIONAL_OFFICIAL, {}),
    }
    users = {
        key: role_grant(username=f"user-{key}", role=role, password=PASSWORD, reason="test", **scope).user
        for key, (role, scope) in grants.items()
    }
    return World(area, township_a, township_b, provider, other_provider, caregivers, *people, users=users)


def approved(world, kind=ApplicationKind.HOME_VISITS, person=None):
    """An application taken through submission and both reviews, by the users whose step it is."""
    person = person or world.person_a
    street = world.users["street_a" if person.township == world.township_a else "street_b"]
    application = services.application_create(kind=kind, recipient=person, user=street, submit=True)
    services.application_transition(application, "street_review", street, passed=True, **REVIEW)
    organisations = (
        {"provider": world.provider}
        if kind == ApplicationKind.HOME_VISITS
        else {"design_provider": world.provider, "acceptance_provider": world.provider}
    )
    return services.application_transition(
        application, "county_review", world.users[Role.DISTRICT_OFFICIAL], passed=True, **REVIEW, **organisations
    )
