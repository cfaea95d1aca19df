"""Scope on every endpoint: lists hold only the reader's rows, a foreign object answers 404 (never 403)."""

import datetime as dt

import pytest

from eldercare.visits.models import VisitException
from tests.api.conftest import log
from tests.factories import FamilyCareBedFactory

V1 = "/api/v1"

# (list URL, how to name one object of provider P / area A, and one of provider Q / area B)
RESOURCES = {
    "areas": ("areas", lambda w, side: getattr(w, f"area_{side}").region.code),
    "recipients": ("recipients", lambda w, side: getattr(w, f"recipient_{side}").pk),
    "assessments": ("assessments", lambda w, side: getattr(w, f"recipient_{side}").assessments.get().pk),
    "providers": ("providers", lambda w, side: getattr(w, "provider_p" if side == "a" else "provider_q").pk),
    "caregivers": ("caregivers", lambda w, side: getattr(w, "caregiver_p" if side == "a" else "caregiver_q").pk),
    "beds": ("beds", lambda w, side: w.beds[side].pk),
    "visits": ("visits", lambda w, side: getattr(w, f"visit_{side}").pk),
    "exceptions": ("exceptions", lambda w, side: w.exceptions[side].pk),
}


@pytest.fixture
def scoped_world(world):
    world.beds = {
        "a": FamilyCareBedFactory(recipient=world.recipient_a),
        "b": FamilyCareBedFactory(recipient=world.recipient_b),
    }
    late_a = log(world.recipient_a, world.caregiver_p, world.category, day=dt.date(2023, 7, 2))
    late_b = log(world.recipient_b, world.caregiver_q, world.category, day=dt.date(2023, 7, 2))
    world.exceptions = {
        "a": VisitException.objects.get(visit=late_a, type="late_entry"),
        "b": VisitException.objects.get(visit=late_b, type="late_entry"),
    }
    return world


def _ids(client, name) -> set:
    rows = client.get(f"{V1}/{RESOURCES[name][0]}/", {"page_size": 500}).json()["results"]
    key = "area_code" if name == "areas" else "id"
    return {row[key] for row in rows}


@pytest.mark.parametrize("name", list(RESOURCES))
@pytest.mark.parametrize("reader", ["as_provider", "as_district"])
def test_a_reader_lists_its_own_rows_and_gets_404_for_a_foreign_one(name, reader, scoped_world, request):
    client = request.getfixturevalue(reader)
    path, key = RESOURCES[name]
    own, foreign = key(scoped_world, "a"), key(scoped_world, "b")
    listed = _ids(client, name)
    assert own in listed
    assert foreign not in listed
    assert client.get(f"{V1}/{path}/{own}/").status_code == 200
    assert client.get(f"{V1}/{path}/{foreign}/").status_code == 404


@pytest.mark.parametrize("name", list(RESOURCES))
def test_a_national_official_sees_both_areas(name, scoped_world, as_national):
    listed = _ids(as_national, name)
    assert {RESOURCES[name][1](scoped_world, "a"), RESOURCES[name][1](scoped_world, "b")} <= listed


@pytest.mark.parametrize(
    "method, path, body",
    [
        ("patch", "recipients/{recipient_b}/", {"address": "x"}),
        ("patch", "visits/{visit_b}/", {"note": "x"}),
        ("post", "visits/{visit_b}/void/", {"reason": "x"}),
        ("post", "beds/{bed_b}/withdraw/", {"reason": "died", "withdrawn_on": "2023-08-01"}),
        ("post", "beds/{bed_b}/items/", {"catalog_item": "grab-bar", "cost": "1"}),
        ("patch", "caregivers/{caregiver_q}/", {"name": "x"}),
        ("patch", "providers/{provider_q}/", {"name": "x"}),
        ("post", "exceptions/{exception_b}/resolve/", {"decision": "accept", "reason_code": "A01"}),
    ],
)
@pytest.mark.parametrize("writer", ["as_provider", "as_district"])
def test_a_write_to_a_foreign_object_answers_404(method, path, body, writer, scoped_world, request):
    client = request.getfixturevalue(writer)
    names = {
        "recipient_b": scoped_world.recipient_b.pk,
        "visit_b": scoped_world.visit_b.pk,
        "bed_b": scoped_world.beds["b"].pk,
        "caregiver_q": scoped_world.caregiver_q.pk,
        "provider_q": scoped_world.provider_q.pk,
        "exception_b": scoped_world.exceptions["b"].pk,
    }
    response = getattr(client, method)(f"{V1}/{path.format(**names)}", body)
    assert response.status_code == 404


def test_references_to_foreign_rows_read_as_missing(scoped_world, as_provider):
    response = as_provider.post(
        f"{V1}/visits/",
        {
            "recipient": scoped_world.recipient_b.pk,
            "caregiver": scoped_world.caregiver_q.pk,
            "category": scoped_world.category.code,
            "started_at": "2023-08-02T08:00:00+08:00",
            "ended_at": "2023-08-02T09:00:00+08:00",
        },
    )
    assert response.status_code == 400
    assert set(response.json()) == {"recipient", "caregiver"}


def test_filters_cannot_reach_outside_the_scope(scoped_world, as_provider):
    rows = as_provider.get(f"{V1}/visits/", {"recipient": scoped_world.recipient_b.pk}).json()["results"]
    assert rows == []


def test_progress_is_scoped_like_the_roll_up_tables(scoped_world, as_provider, as_district, as_national):
    code_a, code_b = scoped_world.area_a.region.code, scoped_world.area_b.region.code
    assert as_provider.get(f"{V1}/progress/areas/").json() == []
    assert as_provider.get(f"{V1}/progress/areas/{code_a}/").status_code == 404
    assert [row["area_code"] for row in as_district.get(f"{V1}/progress/areas/").json()] == [code_a]
    assert as_district.get(f"{V1}/progress/areas/{code_b}/").status_code == 404
    assert as_district.get(f"{V1}/progress/national/").status_code == 404
    assert as_provider.get(f"{V1}/progress/national/").status_code == 404
    assert as_national.get(f"{V1}/progress/national/").status_code == 200


def test_an_auditor_reads_but_writes_nothing(scoped_world, as_auditor):
    assert as_auditor.get(f"{V1}/visits/{scoped_world.visit_a.pk}/").status_code == 200
    assert as_auditor.patch(f"{V1}/visits/{scoped_world.visit_a.pk}/", {"note": "x"}).status_code == 403
    assert as_auditor.post(f"{V1}/visits/{scoped_world.visit_a.pk}/void/", {"reason": "x"}).status_code == 403


def test_anonymous_requests_are_refused(world, client):
    assert client.get(f"{V1}/visits/").status_code in (401, 403)
