from tests.factories import FamilyCareBedFactory, VisitFactory


def test_factories_build_a_consistent_small_world(db):
    visit = VisitFactory()
    visit.full_clean()
    assert visit.area == visit.recipient.area
    assert visit.caregiver.provider == visit.provider
    bed = FamilyCareBedFactory(recipient=visit.recipient)
    assert bed.area == visit.area
