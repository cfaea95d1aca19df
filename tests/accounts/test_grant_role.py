from io import StringIO

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from eldercare.accounts.models import Role, RoleAssignment
from eldercare.accounts.services import role_grant
from eldercare.core.errors import DomainError
from tests.factories import BatchFactory, CountyFactory, PilotAreaFactory, ProviderFactory

User = get_user_model()
PASSWORD = "a-long-enough-passphrase"


@pytest.fixture
def changping(db):
    return PilotAreaFactory(region=CountyFactory(code="110114", name="昌平区", full_name="北京市昌平区"))


@pytest.fixture(autouse=True)
def in_english():
    """The messages are checked in English; the Chinese catalogue is checked in tests/i18n."""
    with translation.override("en"):
        yield


def test_it_creates_a_district_official_with_admin_access(changping):
    assignment = role_grant(username="li", role=Role.DISTRICT_OFFICIAL, area_code="110114", password=PASSWORD)

    assert assignment.area == changping and assignment.province is None
    user = User.objects.get(username="li")
    assert user.is_staff and not user.is_superuser
    assert authenticate(username="li", password=PASSWORD) == user


def test_it_updates_an_existing_users_role_and_scope(changping):
    role_grant(username="li", role=Role.DISTRICT_OFFICIAL, area_code="110114", password=PASSWORD)
    provider = ProviderFactory()

    assignment = role_grant(username="li", role=Role.PROVIDER_STAFF, provider_credit_code=provider.credit_code.lower())

    assert RoleAssignment.objects.get() == assignment
    assert (assignment.role, assignment.provider, assignment.area) == (Role.PROVIDER_STAFF, provider, None)
    assert authenticate(username="li", password=PASSWORD) is not None  # no new password: the old one stays


def test_it_refuses_a_district_official_without_an_area(db):
    with pytest.raises(DomainError, match="needs a pilot area") as raised:
        role_grant(username="li", role=Role.DISTRICT_OFFICIAL)

    assert raised.value.field == "area"
    assert not User.objects.exists()


def test_it_refuses_an_unknown_area_code_with_a_clear_error(changping):
    with pytest.raises(DomainError, match="No pilot area has the division code 110199"):
        role_grant(username="li", role=Role.DISTRICT_OFFICIAL, area_code="110199")
    with pytest.raises(DomainError, match="not a division code"):
        role_grant(username="li", role=Role.DISTRICT_OFFICIAL, area_code="11011")


def test_it_refuses_an_unknown_role_and_an_unknown_provider(db):
    with pytest.raises(DomainError, match="Unknown role mayor"):
        role_grant(username="li", role="mayor")
    with pytest.raises(DomainError, match="No provider has"):
        role_grant(username="li", role=Role.CAREGIVER, provider_credit_code="52110114MJ0000000X")
    with pytest.raises(DomainError, match="need a provider"):
        role_grant(username="li", role=Role.PROVIDER_STAFF)


def test_it_refuses_a_scope_the_role_cannot_have(changping):
    with pytest.raises(DomainError, match="does not take --area"):
        role_grant(username="li", role=Role.NATIONAL_OFFICIAL, area_code="110114")


def test_it_makes_an_admin_a_superuser_and_takes_it_away_on_demotion(db):
    role_grant(username="boss", role=Role.ADMIN, password=PASSWORD)
    user = User.objects.get(username="boss")
    assert user.is_superuser and user.is_staff

    role_grant(username="boss", role=Role.AUDITOR)
    user.refresh_from_db()
    assert user.is_staff and not user.is_superuser


def test_caregivers_do_not_get_admin_access(db):
    provider = ProviderFactory()

    role_grant(username="wang", role=Role.CAREGIVER, provider_credit_code=provider.credit_code)

    assert not User.objects.get(username="wang").is_staff


def test_a_provincial_officials_province_comes_from_the_area(changping):
    assignment = role_grant(username="zhao", role=Role.PROVINCIAL_OFFICIAL, area_code="110114")

    assert assignment.province.code == "110000" and assignment.area is None


def test_a_provincial_official_needs_a_province_inside_which_the_area_lies(changping):
    CountyFactory(code="120000", name="天津市", level="province", parent=None)
    with pytest.raises(DomainError, match="needs a province"):
        role_grant(username="zhao", role=Role.PROVINCIAL_OFFICIAL)
    with pytest.raises(DomainError, match="is not in the province"):
        role_grant(username="zhao", role=Role.PROVINCIAL_OFFICIAL, province_code="120000", area_code="110114")
    with pytest.raises(DomainError, match="No province has"):
        role_grant(username="zhao", role=Role.PROVINCIAL_OFFICIAL, province_code="990000")


def test_an_area_code_means_the_latest_batchs_area(changping):
    later = PilotAreaFactory(batch=BatchFactory(year=2024, name="2024"), region=changping.region)

    assert role_grant(username="li", role=Role.DISTRICT_OFFICIAL, area_code="110114").area == later


def test_a_weak_password_is_refused(db):
    with pytest.raises(DomainError, match="too short"):
        role_grant(username="li", role=Role.AUDITOR, password="short")


def test_the_command_prints_a_generated_password_once_for_a_new_user(changping):
    out = StringIO()
    call_command("grant_role", "li", "district_official", "--area", "110114", "--reason", "任命", stdout=out)

    password = out.getvalue().split("Generated password (shown only now): ")[1].strip()
    assert authenticate(username="li", password=password) is not None

    out = StringIO()
    call_command("grant_role", "li", "auditor", "--reason", "调任审计", stdout=out)
    assert "Generated password" not in out.getvalue()
    assert authenticate(username="li", password=password) is not None


def test_the_command_turns_a_domain_error_into_a_command_error(db):
    with pytest.raises(CommandError, match="needs a pilot area"):
        call_command("grant_role", "li", "district_official", "--reason", "任命", stdout=StringIO())
    assert not User.objects.exists()


def test_ensure_demo_admin_creates_the_demo_users_once(changping):
    provider = ProviderFactory(is_demo=True, name="示例·昌平区康颐居家养老服务中心")
    provider.areas.add(changping)

    call_command("ensure_demo_admin", stdout=StringIO())
    out = StringIO()
    call_command("ensure_demo_admin", stdout=out)

    assert "already exist" in out.getvalue()
    assert User.objects.count() == 5
    admin = authenticate(username="admin", password="eldercare-admin")
    assert admin is not None and admin.is_superuser
    assert authenticate(username="official", password="eldercare-demo").role_assignment.area == changping
    assert authenticate(username="provider", password="eldercare-demo").role_assignment.provider == provider
    assert authenticate(username="national", password="eldercare-demo").role_assignment.role == Role.NATIONAL_OFFICIAL
    assert authenticate(username="auditor", password="eldercare-demo").role_assignment.role == Role.AUDITOR


def test_ensure_demo_admin_leaves_an_existing_admin_alone(db):
    User.objects.create_user(username="admin", password=PASSWORD)

    call_command("ensure_demo_admin", stdout=StringIO())

    assert authenticate(username="admin", password=PASSWORD) is not None
