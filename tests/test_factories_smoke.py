from tests.factories import FamilyCareBedFactory, VisitFactory


def test_factories_build_a_consistent_small_world(db):
    visit = VisitFactory()
    visit.full_clean()
    assert visit.area == visit.recipient.area
    assert visit.caregiver.provider == visit.provider
    bed = FamilyCareBedFactory(recipient=visit.recipient)
    assert bed.area == visit.area


def test_make_user_grants_the_role_through_the_accounts_services_as_production_does(db):
    from eldercare.accounts.models import Role, RoleAssignment
    from eldercare.core.models import AuditEvent
    from tests.factories import USER_PASSWORD, BatchFactory, CaregiverFactory, PilotAreaFactory, make_user

    area = PilotAreaFactory()
    official = make_user("district", Role.DISTRICT_OFFICIAL, area=area)
    assert (official.is_staff, official.is_superuser) == (True, False)
    assert official.check_password(USER_PASSWORD)
    assert RoleAssignment.objects.get(user=official).area == area
    assert RoleAssignment.history.filter(user=official).exists()
    assert AuditEvent.objects.filter(object_type="accounts.roleassignment").exists()

    # A division code names the latest batch's area; the factory keeps the earlier one it was given.
    earlier = PilotAreaFactory(batch=BatchFactory(year=2022, name="2022年"), region=area.region)
    assert RoleAssignment.objects.get(user=make_user("earlier", Role.AUDITOR, area=earlier)).area == earlier

    caregiver = CaregiverFactory()
    carer = make_user("carer", Role.CAREGIVER, provider=caregiver.provider, caregiver=caregiver)
    assert not carer.is_staff  # caregivers work on the phone pages, not in the admin
    assert RoleAssignment.objects.get(user=carer).caregiver == caregiver

    nobody = make_user("nobody")
    assert nobody.is_staff and not RoleAssignment.objects.filter(user=nobody).exists()
