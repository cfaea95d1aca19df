"""factory_boy factories for the domain; every test builds its small world from these."""

import datetime as dt
import uuid
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from eldercare.accounts.models import RoleAssignment
from eldercare.accounts.services import role_assignment_save, role_grant
from eldercare.areas.models import Batch, Disbursement, FundAllocation, PilotArea, Region
from eldercare.beds.models import FamilyCareBed, RetrofitCatalogItem, RetrofitItem
from eldercare.core.validators import credit_code_check_char, resident_id_check_char
from eldercare.providers.models import Caregiver, Provider
from eldercare.recipients.models import CapabilityAssessment, CapabilityLevel, EconomicCategory, Recipient
from eldercare.visits.models import ServiceCategory, ServiceItem, Visit


def make_resident_id(division: str = "110114", birth: dt.date = dt.date(1945, 3, 8), sequence: int = 123) -> str:
    first17 = f"{division}{birth:%Y%m%d}{sequence:03d}"
    return first17 + resident_id_check_char(first17)


def make_credit_code(serial: int) -> str:
    first17 = f"52110114MJ{serial:07d}"
    return first17 + credit_code_check_char(first17)


class ProvinceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = "110000"
    name = "北京市"
    level = Region.Level.PROVINCE
    parent = None


class CountyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    parent = factory.SubFactory(ProvinceFactory)
    code = factory.Sequence(lambda n: f"{110101 + n}")
    name = factory.Sequence(lambda n: f"测试区{n}")
    level = Region.Level.COUNTY


class BatchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Batch
        django_get_or_create = ("year",)

    year = 2023
    name = "2023年居家和社区基本养老服务提升行动"
    target_beds = 100_000
    target_person_times = 200_000


class PilotAreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PilotArea

    batch = factory.SubFactory(BatchFactory)
    region = factory.SubFactory(CountyFactory)
    funds_arrived_on = dt.date(2023, 7, 1)
    cycle_start = dt.date(2023, 7, 1)
    cycle_end = dt.date(2024, 6, 30)
    target_beds = 2000
    target_person_times = 4000


class FundAllocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FundAllocation

    area = factory.SubFactory(PilotAreaFactory)
    use = "beds"
    amount = Decimal("10000000")


class DisbursementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Disbursement

    area = factory.SubFactory(PilotAreaFactory)
    paid_on = dt.date(2023, 9, 1)
    amount = Decimal("100000")
    use = "beds"
    payee = "测试养老服务中心"
    voucher_number = factory.Sequence(lambda n: f"PZ{n:06d}")


class ProviderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Provider

    name = factory.Sequence(lambda n: f"测试养老服务中心{n}")
    credit_code = factory.Sequence(lambda n: make_credit_code(n + 1))
    offers_home_visits = True
    does_bed_retrofit = True
    does_assessment_design = True
    does_acceptance = True


class CaregiverFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Caregiver

    provider = factory.SubFactory(ProviderFactory)
    name = factory.Sequence(lambda n: f"护理员{n}")
    employee_number = factory.Sequence(lambda n: f"E{n:05d}")


class RecipientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Recipient

    resident_id = factory.Sequence(
        lambda n: make_resident_id(sequence=n % 1000, birth=dt.date(1940, 1, 1) + dt.timedelta(days=n // 1000))
    )
    name = factory.Sequence(lambda n: f"老人{n}")
    sex = factory.LazyAttribute(lambda o: "M" if int(o.resident_id[16]) % 2 else "F")
    birth_date = factory.LazyAttribute(
        lambda o: dt.date(int(o.resident_id[6:10]), int(o.resident_id[10:12]), int(o.resident_id[12:14]))
    )
    area = factory.SubFactory(PilotAreaFactory)
    economic_category = EconomicCategory.MINIMUM_ALLOWANCE
    provider = factory.SubFactory(ProviderFactory)
    address = "北京市昌平区城北街道测试路1号"
    home_latitude = Decimal("40.220000")
    home_longitude = Decimal("116.230000")


class AssessmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CapabilityAssessment

    recipient = factory.SubFactory(RecipientFactory)
    assessed_on = dt.date(2023, 6, 1)
    level = CapabilityLevel.SEVERE
    assessor_name = "评估员甲"


class RetrofitCatalogItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RetrofitCatalogItem
        django_get_or_create = ("code",)

    code = "grab-bar"
    name = "扶手"
    kind = "accessibility"
    reference_cost = Decimal("300")


class FamilyCareBedFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FamilyCareBed

    recipient = factory.SubFactory(RecipientFactory)
    area = factory.SelfAttribute("recipient.area")
    applied_on = dt.date(2023, 7, 10)


class RetrofitItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RetrofitItem

    bed = factory.SubFactory(FamilyCareBedFactory)
    catalog_item = factory.SubFactory(RetrofitCatalogItemFactory)
    cost = Decimal("300")


class ServiceCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceCategory
        django_get_or_create = ("code",)

    code = "daily-living"
    name = "生活照料"


class ServiceItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceItem
        django_get_or_create = ("code",)

    category = factory.SubFactory(ServiceCategoryFactory)
    code = "cleaning"
    name = "助洁"


class VisitFactory(factory.django.DjangoModelFactory):
    """A completed one-hour visit at 09:00 Beijing time on the area's first cycle day."""

    class Meta:
        model = Visit

    client_uuid = factory.LazyFunction(uuid.uuid4)
    recipient = factory.SubFactory(RecipientFactory)
    area = factory.SelfAttribute("recipient.area")
    provider = factory.SelfAttribute("recipient.provider")
    caregiver = factory.SubFactory(CaregiverFactory, provider=factory.SelfAttribute("..provider"))
    category = factory.SubFactory(ServiceCategoryFactory)
    started_at = factory.LazyAttribute(
        lambda o: dt.datetime.combine(
            o.recipient.area.cycle_start, dt.time(9, 0), tzinfo=timezone.get_default_timezone()
        )
    )
    ended_at = factory.LazyAttribute(lambda o: o.started_at + dt.timedelta(hours=1))
    service_date = factory.LazyAttribute(lambda o: timezone.localdate(o.started_at))
    checkin_latitude = Decimal("40.220100")
    checkin_longitude = Decimal("116.230100")


# --- Users and roles: granted through the accounts services, as grant_role and the admin do --------

# Every user made here signs in with it (API tests post it to the token endpoint).
USER_PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    """A signed-in person with no role: a staff account an administrator made and gave nothing to (sees nothing)."""

    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user-{n}")
    password = factory.django.Password(USER_PASSWORD)
    is_staff = True


class RoleFactory(factory.Factory):
    """A user holding one role over a scope, made by `accounts.services.role_grant` (returns the assignment).

    The scope is given as records (area=, province=, provider=, township=) and passed to the service as
    the codes an administrator types; staff and superuser flags follow the role, and the role's history
    row and audit event are written, as in production. Two things codes cannot say are then set through
    `role_assignment_save`: an area of an earlier batch (a code names the latest batch's area) and the
    caregiver record a caregiver logs visits as (caregiver=).
    """

    class Meta:
        model = RoleAssignment

    username = factory.Sequence(lambda n: f"role-user-{n}")
    role = "national_official"
    password = USER_PASSWORD
    area = None
    province = None
    provider = None
    township = None
    caregiver = None

    @classmethod
    def _create(cls, model_class, *, username, role, password, area, province, provider, township, caregiver):
        assignment = role_grant(
            username=username,
            role=role,
            password=password,
            area_code=area.region.code if area else None,
            province_code=province.code if province else None,
            provider_credit_code=provider.credit_code if provider else None,
            township_code=township.code if township else None,
            reason="test world",
        )
        if (area is not None and assignment.area_id != area.pk) or caregiver is not None:
            assignment.area = area or assignment.area
            assignment.caregiver = caregiver
            assignment = role_assignment_save(assignment=assignment, reason="test world")
        return assignment

    @classmethod
    def _build(cls, model_class, **kwargs):
        raise TypeError("A role is granted through the accounts services: create it, do not build it.")


def make_user(username: str, role: str | None = None, **scope):
    """A user called `username`; with `role`, holding it over `scope` (area=, province=, provider=,
    township=, caregiver=), granted as production grants it (`RoleFactory`). Without: `UserFactory`."""
    if role is None:
        return UserFactory(username=username, **scope)
    return RoleFactory(username=username, role=role, **scope).user
