"""/api/v1/enrolments/: scoped reads, and direct enrolment by the district's officials only."""

import datetime as dt

from eldercare.accounts.models import Role
from eldercare.recipients.enrolments import enrolment_create
from eldercare.recipients.models import Enrolment
from tests.factories import BatchFactory, PilotAreaFactory, RecipientFactory

URL = "/api/v1/enrolments/"


def later_area(world):
    return PilotAreaFactory(
        batch=BatchFactory(year=2024, name="2024年批次"),
        region=world.area.region,
        funds_arrived_on=dt.date(2024, 7, 1),
        cycle_start=dt.date(2024, 7, 1),
        cycle_end=dt.date(2025, 6, 30),
    )


def test_a_district_official_enrols_a_person_of_the_area_in_its_pilot_area(world):
    answer = world.client(Role.DISTRICT_OFFICIAL).post(
        URL, {"recipient": world.person_a.pk, "area": world.area.pk, "enrolled_on": "2023-07-01"}, format="json"
    )
    assert answer.status_code == 201, answer.content
    assert (answer.data["area"], answer.data["batch_year"], answer.data["cycle_start"]) == (
        world.area.pk,
        2023,
        "2023-07-01",
    )
    assert Enrolment.objects.get(recipient=world.person_a).created_by == world.users[Role.DISTRICT_OFFICIAL]


def test_a_district_official_cannot_enrol_in_an_area_outside_their_scope(world):
    # The later batch's area of the same district is another pilot area: its own officials enrol there.
    answer = world.client(Role.DISTRICT_OFFICIAL).post(
        URL, {"recipient": world.person_a.pk, "area": later_area(world).pk}, format="json"
    )
    assert answer.status_code == 400 and "area" in answer.data
    assert not Enrolment.objects.exists()


def test_other_roles_cannot_enrol_directly(world):
    for role in ("street_a", Role.PROVIDER_STAFF, Role.AUDITOR):
        answer = world.client(role).post(URL, {"recipient": world.person_a.pk, "area": world.area.pk}, format="json")
        assert answer.status_code == 403, (role, answer.status_code)
    assert not Enrolment.objects.exists()


def test_an_enrolment_refused_by_the_service_is_a_400_naming_the_field(world):
    world.area.cycle_start = world.area.cycle_end = None
    world.area.save()
    answer = world.client(Role.DISTRICT_OFFICIAL).post(
        URL, {"recipient": world.person_a.pk, "area": world.area.pk}, format="json"
    )
    assert answer.status_code == 400, answer.content
    assert "area" in answer.data


def test_enrolments_are_read_in_the_scope_of_their_person(world):
    mine = enrolment_create(recipient=world.person_a, area=world.area)
    elsewhere = RecipientFactory()
    enrolment_create(recipient=elsewhere, area=elsewhere.area)
    listed = world.client(Role.DISTRICT_OFFICIAL).get(URL).data["results"]
    assert [row["id"] for row in listed] == [mine.pk]
    assert world.client("street_b").get(f"{URL}{mine.pk}/").status_code == 404
    assert world.client("street_a").get(f"{URL}{mine.pk}/").status_code == 200
