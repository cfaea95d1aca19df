"""POST /api/v1/visits/bulk/: idempotent by client UUID, every item answered, one bad item rejects only itself."""

import datetime as dt
import uuid

from eldercare.visits.bulk import MAX_BULK_VISITS
from eldercare.visits.models import Visit

URL = "/api/v1/visits/bulk/"


def visit_item(world, day: int, **overrides) -> dict:
    item = {
        "client_uuid": str(uuid.uuid4()),
        "recipient": world.recipient_a.pk,
        "caregiver": world.caregiver_p.pk,
        "category": world.category.code,
        "items": [world.item.code],
        "started_at": f"2023-07-{day:02d}T09:00:00+08:00",
        "ended_at": f"2023-07-{day:02d}T10:00:00+08:00",
        "checkin_latitude": "40.220000",
        "checkin_longitude": "116.230000",
        "satisfaction": "satisfied",
    }
    item.update(overrides)
    return item


def mixed_batch(world) -> list[dict]:
    already = Visit.objects.get(pk=world.visit_a.pk)
    return [
        visit_item(world, 27),  # good
        visit_item(world, 28),  # good
        {  # a resend of a visit logged earlier, same content
            "client_uuid": str(already.client_uuid),
            "recipient": world.recipient_a.pk,
            "caregiver": world.caregiver_p.pk,
            "category": world.category.code,
            "started_at": "2023-08-01T09:00:00+08:00",
            "ended_at": "2023-08-01T10:00:00+08:00",
            "checkin_latitude": "40.22",
            "checkin_longitude": "116.23",
        },
        visit_item(world, 12, client_uuid=str(already.client_uuid)),  # same UUID, different content
        visit_item(world, 13, ended_at="2023-07-13T08:00:00+08:00"),  # ends before it starts
        visit_item(world, 14, recipient=world.recipient_b.pk),  # another provider's recipient
        visit_item(world, 15, checkin_latitude="123.5"),  # impossible latitude
        {"recipient": world.recipient_a.pk},  # no client UUID
        "not an object",
    ]


def test_a_mixed_batch_answers_each_item_and_a_resend_changes_nothing(
    world, as_provider, django_capture_on_commit_callbacks
):
    batch = mixed_batch(world)
    before = Visit.objects.count()
    with django_capture_on_commit_callbacks(execute=True):  # verification follows the commit
        first = as_provider.post(URL, {"visits": batch})
    assert first.status_code == 200, first.json()
    statuses = [row["status"] for row in first.json()["results"]]
    assert statuses == [
        "created",
        "created",
        "already_present",
        "conflict",
        "rejected",
        "rejected",
        "rejected",
        "rejected",
        "rejected",
    ]
    results = first.json()["results"]
    assert results[2]["id"] == world.visit_a.pk
    assert "ended_at" in results[4]["errors"]
    assert "recipient" in results[5]["errors"]
    assert "checkin_latitude" in results[6]["errors"]
    assert "client_uuid" in results[7]["errors"]
    assert first.json()["summary"] == {"created": 2, "already_present": 1, "conflict": 1, "rejected": 5}
    assert Visit.objects.count() == before + 2

    created = Visit.objects.filter(pk__in=[results[0]["id"], results[1]["id"]])
    assert all(visit.history.count() == 1 for visit in created)
    assert all(visit.history.first().history_user.username == "p-staff" for visit in created)
    assert all(list(visit.items.values_list("code", flat=True)) == [world.item.code] for visit in created)
    assert all(visit.is_countable and visit.area_id == world.area_a.pk for visit in created)
    assert {str(visit.service_date) for visit in created} == {"2023-07-27", "2023-07-28"}

    second = as_provider.post(URL, {"visits": batch})
    again = [row["status"] for row in second.json()["results"]]
    assert again[:4] == ["already_present", "already_present", "already_present", "conflict"]
    assert [row["id"] for row in second.json()["results"][:2]] == [results[0]["id"], results[1]["id"]]
    assert second.json()["summary"]["created"] == 0
    assert Visit.objects.count() == before + 2


def test_the_same_uuid_twice_in_one_batch_is_recorded_once(world, as_provider):
    item = visit_item(world, 20)
    changed = {**item, "note": "different"}
    response = as_provider.post(URL, {"visits": [item, dict(item), changed]}).json()
    assert [row["status"] for row in response["results"]] == ["created", "already_present", "conflict"]
    assert response["results"][0]["id"] == response["results"][1]["id"]
    assert Visit.objects.filter(client_uuid=item["client_uuid"]).count() == 1


def test_bulk_visits_are_verified_and_flagged_like_single_ones(world, as_provider, django_capture_on_commit_callbacks):
    short = visit_item(world, 21, ended_at="2023-07-21T09:10:00+08:00")
    with django_capture_on_commit_callbacks(execute=True):  # verification follows the commit
        response = as_provider.post(URL, {"visits": [short]}).json()
    visit = Visit.objects.get(pk=response["results"][0]["id"])
    assert not visit.is_countable
    assert visit.exceptions.filter(type="too_short").exists()


def test_more_than_the_limit_is_refused_whole(world, as_provider):
    batch = [visit_item(world, 10) for _ in range(MAX_BULK_VISITS + 1)]
    response = as_provider.post(URL, {"visits": batch})
    assert response.status_code == 400
    assert "visits" in response.json()
    assert not Visit.objects.filter(client_uuid=batch[0]["client_uuid"]).exists()


def test_an_auditor_cannot_upload_and_a_bad_body_is_a_400(world, as_auditor, as_provider):
    assert as_auditor.post(URL, {"visits": [visit_item(world, 10)]}).status_code == 403
    assert as_provider.post(URL, {"visits": []}).status_code == 400
    assert as_provider.post(URL, ["x"]).status_code == 400


def test_a_district_official_may_not_upload_visits(world, as_district):
    # Officials change visits only through review and voiding, never by entering them.
    assert as_district.post(URL, {"visits": [visit_item(world, 10)]}).status_code == 403


def _day_batch(world, count: int, last_day: dt.date) -> list[dict]:
    # One visit a day on the `count` days up to `last_day`, so nothing overlaps.
    items = []
    for offset in range(count):
        day = last_day - dt.timedelta(days=offset)
        items.append(visit_item(world, 1, started_at=f"{day}T09:00:00+08:00", ended_at=f"{day}T10:00:00+08:00"))
    return items


def test_the_number_of_queries_does_not_grow_with_the_batch(world, as_provider):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    # Sizes that fit one INSERT even on SQLite (999 parameters a statement); PostgreSQL takes 1,000 rows.
    # Both batches are entered late, so both store exceptions: the same statements, whatever the size.
    for size, last_day in ((3, dt.date(2023, 7, 20)), (25, dt.date(2023, 7, 17))):
        with CaptureQueriesContext(connection) as queries:
            response = as_provider.post(URL, {"visits": _day_batch(world, size, last_day)})
        assert response.json()["summary"]["created"] == size
        counts.append(len(queries))
    assert counts[1] == counts[0], counts
