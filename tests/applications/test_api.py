"""/api/v1/applications/: fill in, change a draft, every step, and the answers a refusal gets (400, 403,
404, 409), never a 5xx; a user of another township sees nothing of it."""

import pytest

from eldercare.accounts.models import Role
from eldercare.applications.models import Application, ApplicationStep

from .conftest import REVIEW, approved

URL = "/api/v1/applications/"


def step_url(application_id, step):
    return f"{URL}{application_id}/{step}/"


def create(world, **body):
    body = {"kind": "home_visits", "recipient": world.person_a.pk, **body}
    return world.client("street_a").post(URL, body, format="json")


def test_the_township_fills_in_submits_and_reviews_then_the_county_and_the_provider_take_their_steps(world):
    street, district, staff = (
        world.client("street_a"),
        world.client(Role.DISTRICT_OFFICIAL),
        world.client(Role.PROVIDER_STAFF),
    )
    response = create(world, note="独居")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["state"], body["township_code"], body["area_code"]) == ("draft", "110114001", "110114")
    pk = body["id"]
    assert street.patch(f"{URL}{pk}/", {"note": "独居，行动不便"}, format="json").status_code == 200
    assert street.post(step_url(pk, "submit"), {}, format="json").json()["state"] == "submitted"
    answer = street.post(step_url(pk, "street-review"), {"passed": True, **REVIEW}, format="json")
    assert answer.status_code == 200 and answer.json()["state"] == "street_passed"
    answer = district.post(
        step_url(pk, "county-review"), {"passed": True, **REVIEW, "provider": world.provider.pk}, format="json"
    )
    assert answer.status_code == 200 and answer.json()["dispatch"]
    answer = staff.post(step_url(pk, "assign"), {"caregivers": [c.pk for c in world.caregivers]}, format="json")
    assert answer.status_code == 200, answer.json()
    body = answer.json()
    assert body["state"] == "assigned" and sorted(body["caregivers"]) == sorted(c.pk for c in world.caregivers)
    assert [step["action"] for step in body["steps"]] == [
        "create",
        "update",
        "submit",
        "street_review",
        "county_review",
        "assign",
    ]
    assert body["steps"][3]["reviewer_title"] == "街道民政科科长"


def test_create_with_submit_submits_at_once(world):
    response = create(world, submit=True)
    assert response.status_code == 201 and response.json()["state"] == "submitted"


def test_a_step_the_state_does_not_allow_is_a_409_naming_the_state(world):
    pk = create(world).json()["id"]
    street = world.client("street_a")
    response = street.post(step_url(pk, "street-review"), {"passed": True, **REVIEW}, format="json")
    assert response.status_code == 409
    assert "暂存" in response.json()["detail"] or "Draft" in response.json()["detail"]
    street.post(step_url(pk, "submit"), {}, format="json")
    response = street.patch(f"{URL}{pk}/", {"note": "改"}, format="json")
    assert response.status_code == 409
    assert Application.objects.get(pk=pk).note == ""


def test_a_step_the_role_does_not_take_is_a_403(world):
    pk = create(world, submit=True).json()["id"]
    for key in (Role.DISTRICT_OFFICIAL, Role.AUDITOR, Role.NATIONAL_OFFICIAL):
        response = world.client(key).post(step_url(pk, "street-review"), {"passed": True, **REVIEW}, format="json")
        assert response.status_code == 403, (key, response.status_code)
    for key in (Role.DISTRICT_OFFICIAL, Role.AUDITOR, Role.PROVIDER_STAFF, Role.NATIONAL_OFFICIAL):
        response = world.client(key).post(URL, {"kind": "home_visits", "recipient": world.person_a.pk}, format="json")
        assert response.status_code in (400, 403), (key, response.status_code)
    assert Application.objects.count() == 1
    assert ApplicationStep.objects.count() == 2


def test_bad_data_is_a_400_naming_the_field(world):
    pk = create(world, submit=True).json()["id"]
    street = world.client("street_a")
    cases = [
        ({"passed": "maybe", **REVIEW}, "passed"),
        ({"passed": False, "reviewer_name": "王", "reviewer_title": "科长"}, "opinion"),
        ({"passed": True, "reviewer_title": "科长"}, "reviewer_name"),
        ({"passed": True, **REVIEW, "colour": "red"}, "colour"),
        ({"passed": True, **REVIEW, "opinion": "a\x00b"}, "opinion"),
    ]
    for body, field in cases:
        response = street.post(step_url(pk, "street-review"), body, format="json")
        assert response.status_code == 400, (body, response.status_code)
        assert field in response.json(), (body, response.json())
    assert Application.objects.get(pk=pk).state == "submitted"
    assert create(world, kind="spaceship").status_code == 400
    assert create(world, recipient=10**30).status_code == 400


def test_a_second_application_for_the_same_person_and_kind_is_a_400(world):
    assert create(world).status_code == 201
    response = create(world)
    assert response.status_code == 400 and "recipient" in response.json()


def test_a_street_official_of_another_township_sees_nothing_and_gets_404(world):
    pk = create(world, submit=True).json()["id"]
    other = world.client("street_b")
    assert _ids(other) == set()
    assert other.get(f"{URL}{pk}/").status_code == 404
    for step in ("submit", "street-review", "county-review", "assign", "reopen"):
        assert other.post(step_url(pk, step), {"passed": True, **REVIEW}, format="json").status_code == 404
    assert other.patch(f"{URL}{pk}/", {"note": "x"}, format="json").status_code == 404
    # Nor can they fill one in for a person of township A: the person is not theirs to name.
    response = other.post(URL, {"kind": "home_visits", "recipient": world.person_a.pk}, format="json")
    assert response.status_code == 400 and "recipient" in response.json()
    assert Application.objects.get(pk=pk).state == "submitted"


def _ids(client, **params):
    body = client.get(URL, params).json()
    rows = body["results"] if isinstance(body, dict) else body
    return {row["id"] for row in rows}


def test_each_role_lists_the_applications_of_its_scope(world):
    mine = approved(world)
    theirs = approved(world, person=world.person_b)
    assert _ids(world.client("street_a")) == {mine.pk}
    assert _ids(world.client("street_b")) == {theirs.pk}
    assert _ids(world.client(Role.DISTRICT_OFFICIAL)) == {mine.pk, theirs.pk}
    assert _ids(world.client(Role.PROVIDER_STAFF)) == {mine.pk, theirs.pk}
    assert _ids(world.client(Role.AUDITOR)) == {mine.pk, theirs.pk}
    assert _ids(world.client(Role.NATIONAL_OFFICIAL)) == {mine.pk, theirs.pk}
    assert world.client(Role.CAREGIVER).get(URL).status_code in (200, 403)
    assert _ids(world.client(Role.DISTRICT_OFFICIAL), township_code="110114001") == {mine.pk}
    assert _ids(world.client(Role.DISTRICT_OFFICIAL), state="county_passed", kind="home_visits") == {mine.pk, theirs.pk}


def test_filters_refuse_what_they_cannot_read(world):
    response = world.client(Role.DISTRICT_OFFICIAL).get(URL, {"township": "abc"})
    assert response.status_code == 400
    response = world.client(Role.DISTRICT_OFFICIAL).get(URL, {"state": "nonsense"})
    assert response.status_code == 400


@pytest.mark.parametrize("method", ["put", "delete"])
def test_applications_are_not_replaced_or_deleted(world, method):
    pk = create(world).json()["id"]
    response = getattr(world.client("street_a"), method)(f"{URL}{pk}/", {}, format="json")
    assert response.status_code == 405
    assert Application.objects.filter(pk=pk).exists()
